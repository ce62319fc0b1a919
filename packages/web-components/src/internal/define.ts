/**
 * Registers a custom element once: a second registration of the same name (two copies of the
 * package on one page, a module loaded twice) is a no-op instead of a `NotSupportedError`.
 */
export function define(name: string, element: CustomElementConstructor): void {
  if (typeof customElements === 'undefined' || customElements.get(name)) return;
  customElements.define(name, element);
}
