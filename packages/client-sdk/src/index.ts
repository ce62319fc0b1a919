export { ApiError, type ApiErrorCode, isApiError } from './errors';
export type { Store } from './store';
