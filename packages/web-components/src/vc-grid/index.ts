// Registers <vc-grid> (`@videoconf/web-components/vc-grid`); a second registration is a no-op.
import { define } from '../internal/define';
import { VcGrid } from './vc-grid';

define('vc-grid', VcGrid);

export { VcGrid };
