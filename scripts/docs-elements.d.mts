// Types of scripts/docs-elements.mjs, for the TypeScript that imports it (tests).
/** The parts of a custom elements manifest (schema 1.0.0) that the docs read. */
export interface ManifestElement {
  name: string;
  tagName?: string;
  customElement?: boolean;
  description?: string;
  attributes?: { name: string; fieldName?: string; description?: string }[];
  members?: {
    kind: 'field' | 'method';
    name: string;
    privacy?: 'public' | 'private' | 'protected';
    static?: boolean;
    readonly?: boolean;
    reflects?: boolean;
    attribute?: string;
    description?: string;
    parameters?: { name: string }[];
  }[];
  events?: { name: string; description?: string }[];
  slots?: { name: string; description?: string }[];
  cssParts?: { name: string; description?: string }[];
  cssProperties?: { name: string; description?: string }[];
}
export interface Manifest {
  schemaVersion: string;
  modules: {
    kind: 'javascript-module';
    path: string;
    declarations?: ManifestElement[];
    exports?: { kind: string; name: string; declaration: { name: string; module?: string } }[];
  }[];
}
export declare const PACKAGE_DIR: string;
export declare const DOCS_PAGE: string;
export declare function elementsManifest(): Promise<Manifest>;
export declare function elementsOf(manifest: Manifest): (ManifestElement & { tagName: string })[];
export declare function renderElement(element: ManifestElement): string;
export declare function renderDocs(page: string, manifest: Manifest): string;
