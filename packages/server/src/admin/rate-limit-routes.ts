import { Type } from '@sinclair/typebox';
import {
  CreateRateLimitRuleBody,
  ItemList,
  RateLimitRule,
  RuleParams,
  UpdateRateLimitRuleBody,
} from '@videoconf/protocol';
import { ConferenceError } from '../errors';
import { errorResponses } from '../http/schemas';
import { type App, principalOf } from '../http/types';
import { reloadRateLimitRules } from '../rate-limit/index';
import type { NewRateLimitRule } from '../storage/types';

const tags = ['admin'];

const hasLimit = (rule: Pick<NewRateLimitRule, 'perMinute' | 'perHour' | 'perDay'>) =>
  rule.perMinute != null || rule.perHour != null || rule.perDay != null;

const NO_LIMIT = 'A rule needs at least one of perMinute, perHour and perDay';

/** `/admin/rate-limits`: the rules of `rate_limit_rules`, for technical admins only. */
export async function adminRateLimitRoutes(app: App) {
  const context = app.videoconf;
  const { storage } = context;

  // After authentication (401 without a token) and after the rate limit of the route.
  app.addHook('preValidation', async (request) => {
    if (principalOf(request).user.globalRole !== 'technical_admin') {
      throw new ConferenceError('FORBIDDEN', 'Only technical admins manage rate limits');
    }
  });

  app.get(
    '/admin/rate-limits',
    { schema: { tags, response: { 200: ItemList(RateLimitRule), ...errorResponses } } },
    async () => ({ items: await storage.listRateLimitRules() }),
  );

  app.post(
    '/admin/rate-limits',
    {
      schema: {
        tags,
        body: CreateRateLimitRuleBody,
        response: { 201: RateLimitRule, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const input: NewRateLimitRule = {
        scope: body.scope,
        routePattern: body.routePattern ?? null,
        perMinute: body.perMinute ?? null,
        perHour: body.perHour ?? null,
        perDay: body.perDay ?? null,
        enabled: body.enabled ?? true,
      };
      if (!hasLimit(input)) throw new ConferenceError('VALIDATION_ERROR', NO_LIMIT);
      const rule = await storage.createRateLimitRule(input);
      await reloadRateLimitRules(context);
      return reply.status(201).send(rule);
    },
  );

  app.get(
    '/admin/rate-limits/:ruleId',
    { schema: { tags, params: RuleParams, response: { 200: RateLimitRule, ...errorResponses } } },
    async (request) => {
      const rule = await storage.getRateLimitRule(request.params.ruleId);
      if (!rule) throw new ConferenceError('RULE_NOT_FOUND');
      return rule;
    },
  );

  app.put(
    '/admin/rate-limits/:ruleId',
    {
      schema: {
        tags,
        params: RuleParams,
        body: UpdateRateLimitRuleBody,
        response: { 200: RateLimitRule, ...errorResponses },
      },
    },
    async (request) => {
      const { ruleId } = request.params;
      const current = await storage.getRateLimitRule(ruleId);
      if (!current) throw new ConferenceError('RULE_NOT_FOUND');
      const patch: Partial<NewRateLimitRule> = {};
      for (const [key, value] of Object.entries(request.body)) {
        if (value !== undefined) Object.assign(patch, { [key]: value });
      }
      if (!hasLimit({ ...current, ...patch })) {
        throw new ConferenceError('VALIDATION_ERROR', NO_LIMIT);
      }
      const rule = await storage.updateRateLimitRule(ruleId, patch);
      if (!rule) throw new ConferenceError('RULE_NOT_FOUND');
      await reloadRateLimitRules(context);
      return rule;
    },
  );

  app.delete(
    '/admin/rate-limits/:ruleId',
    {
      schema: {
        tags,
        params: RuleParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const deleted = await storage.deleteRateLimitRule(request.params.ruleId);
      if (!deleted) throw new ConferenceError('RULE_NOT_FOUND');
      await reloadRateLimitRules(context);
      return reply.status(204).send(null);
    },
  );
}
