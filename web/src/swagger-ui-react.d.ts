// swagger-ui-react ships no types: the props the console passes.
declare module 'swagger-ui-react' {
  import type { ComponentType } from 'react';
  const SwaggerUI: ComponentType<{ spec: object; supportedSubmitMethods?: string[]; plugins?: (() => object)[]; docExpansion?: 'list' | 'full' | 'none'; defaultModelsExpandDepth?: number; defaultModelExpandDepth?: number }>;
  export default SwaggerUI;
}
declare module 'swagger-ui-react/swagger-ui.css';
