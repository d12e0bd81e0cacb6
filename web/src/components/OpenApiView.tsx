// A service's OpenAPI document rendered by Swagger UI (swagger-ui-react): operations with their
// parameters, request bodies, responses, schemas and examples. Its own chunk, imported only by
// the page that shows a document (see Services.tsx), so no other page downloads it.
import SwaggerUI from 'swagger-ui-react';
import 'swagger-ui-react/swagger-ui.css';
import './openapi-view.css';

// Operation and tag titles as plain text: Swagger UI's deep links are anchors inside the
// operation's button (nested controls) or anchors without a target; the button opens it.
const plainTitles = () => ({ components: { DeepLink: ({ text }: { text: string }) => <span className="nostyle">{text}</span> } });

export default function OpenApiView({ spec }: { spec: object }) {
  // Read-only: no "Try it out" (calls go through the gateway with a client's credential, not
  // from the console), every operation open so bodies and examples show without a click.
  // Swagger UI's own labels are English (it has no translations): the block says so with lang="en".
  return (
    <div lang="en" translate="no" className="vamco-openapi" data-testid="api-docs">
      <SwaggerUI spec={spec} supportedSubmitMethods={[]} plugins={[plainTitles]} docExpansion="full" defaultModelsExpandDepth={1} defaultModelExpandDepth={3} />
    </div>
  );
}
