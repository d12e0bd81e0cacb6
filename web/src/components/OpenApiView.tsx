// A service's OpenAPI document rendered by Swagger UI (swagger-ui-react): operations with their
// parameters, request bodies, responses, schemas and examples. Its own chunk, imported only by
// the page that shows a document (see Services.tsx), so no other page downloads it.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import SwaggerUI from 'swagger-ui-react';
import 'swagger-ui-react/swagger-ui.css';
import './openapi-view.css';

// Operation and tag titles as plain text: Swagger UI's deep links are anchors inside the
// operation's button (nested controls) or anchors without a target; the button opens it.
const plainTitles = () => ({ components: { DeepLink: ({ text }: { text: string }) => <span className="nostyle">{text}</span> } });

/**
 * Swagger UI's section labels, by their exact English text, and the catalogue key of each. Swagger
 * UI has no translations and no option for its labels (swagger-api/swagger-ui#2488, open since
 * 2016; the translation plugin of PR #5385 was closed unmerged), so the Vietnamese console puts
 * its own words in place of these once rendered. What else Swagger UI writes stays English, marked
 * lang="en": the type and format names of JSON Schema (string, integer, date-time), the OpenAPI
 * version badge, "required", and labels not in this list (docs/console.md lists them).
 */
const LABELS: Record<string, string> = {
  'Parameters': 'openapi.parameters', 'No parameters': 'openapi.noParameters', 'Request body': 'openapi.requestBody',
  'Responses': 'openapi.responses', 'Code': 'openapi.code', 'Description': 'openapi.description', 'Links': 'openapi.links',
  'No links': 'openapi.noLinks', 'Name': 'openapi.name', 'Example Value': 'openapi.exampleValue', 'Schema': 'openapi.schema',
  'Schemas': 'openapi.schemas', 'Media type': 'openapi.mediaType', 'Examples': 'openapi.examples',
};
/** Letters only Vietnamese uses among the console's languages: a text with one is the document's own Vietnamese. */
const VIETNAMESE = /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/i;

/**
 * Keeps lang attributes true inside the renderer's block (lang="en"): a label the console
 * translated, and the document's own Vietnamese text (titles, summaries, descriptions), are marked
 * lang="vi". Only text nodes that are their element's sole child are rewritten (React leaves a
 * text it rendered unchanged alone, and the observer puts back a label Swagger UI re-renders).
 */
function localise(root: HTMLElement, label: ((english: string) => string | null)): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    const text = n.nodeValue?.trim() ?? '';
    if (!el || !text) continue;
    const own = el.childNodes.length === 1 ? label(text) : null;
    if (own !== null) n.nodeValue = own;
    if ((own !== null || VIETNAMESE.test(text)) && el.lang !== 'vi') el.lang = 'vi';
  }
}

export default function OpenApiView({ spec }: { spec: object }) {
  const { t, i18n } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const vi = i18n.language !== 'en';
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    const label = (english: string) => (vi && LABELS[english] ? t(LABELS[english]) : null);
    let frame = 0;
    const run = () => { frame = 0; localise(root, label); };
    run();
    // Swagger UI renders in steps (and again as sections open): each burst of changes, once per frame.
    const observer = new MutationObserver(() => { if (!frame) frame = requestAnimationFrame(run); });
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    return () => { observer.disconnect(); if (frame) cancelAnimationFrame(frame); };
  }, [vi, t]);
  // Read-only: no "Try it out" (calls go through the gateway with a client's credential, not
  // from the console), every operation open so bodies and examples show without a click.
  // Keyed by language: a switch renders Swagger UI afresh (its English labels back in English).
  return (
    <div key={i18n.language} ref={ref} lang="en" translate="no" className="vamco-openapi" data-testid="api-docs">
      <SwaggerUI spec={spec} supportedSubmitMethods={[]} plugins={[plainTitles]} docExpansion="full" defaultModelsExpandDepth={1} defaultModelExpandDepth={3} />
    </div>
  );
}
