/**
 * The API quickstart: the seed's cURL path (quote, submit, poll, results, optimization report)
 * filled in with this instance's address, each step copyable.
 */
import { Section } from '../../components/display.tsx';
import { CopyButton } from '../../components/buttons.tsx';
import { Link } from '../../router.tsx';
import { canManageWorkspace, useCurrentSession } from '../../session.tsx';

const MANIFEST =
  `{"sla_tier":"standard","routing_mode":"sla_aware","privacy_tier":"standard","allowed_regions":["global"],"items":[{"customer_item_id":"support_rollup_001","operation":"responses","model":"gpt-5.4-mini","model_options":["gpt-5.4-mini","gpt-5.4"],"input":{"input":[{"role":"user","content":"Summarize yesterday'\\''s support queue into five bullets."}]}}]}`;

/** The quickstart's commands, as separately copyable blocks. */
export function quickstartBlocks(baseUrl: string, environment: string): { title: string; code: string }[] {
  const auth = '  -H "Authorization: Bearer $BR_API_KEY"';
  return [
    {
      title: 'Set up',
      code: [`export BASE_URL="${baseUrl}"`, `export BR_API_KEY="br_${environment}_your_api_key"`, `export MANIFEST='${MANIFEST}'`].join('\n'),
    },
    {
      title: 'Quote',
      code: ['curl -sS "$BASE_URL/v1/batches/quote" \\', '  -X POST \\', `${auth} \\`, '  -H "Content-Type: application/json" \\', '  -d "$MANIFEST"'].join('\n'),
    },
    {
      title: 'Submit',
      code: ['curl -sS "$BASE_URL/v1/batches" \\', '  -X POST \\', `${auth} \\`, '  -H "Content-Type: application/json" \\', '  -H "Idempotency-Key: quickstart-batch-001" \\', '  -d "$MANIFEST"'].join('\n'),
    },
    { title: 'Poll the batch', code: ['curl -sS "$BASE_URL/v1/batches/{batch_id}" \\', auth].join('\n') },
    { title: 'Read results', code: ['curl -sS "$BASE_URL/v1/batches/{batch_id}/results" \\', auth].join('\n') },
    { title: 'Optimization report', code: ['curl -sS "$BASE_URL/v1/batches/optimization-report?import_provider=openai" \\', auth].join('\n') },
  ];
}

export function ApiQuickstartSection({ environment }: { environment: string }) {
  const current = useCurrentSession();
  const blocks = quickstartBlocks(window.location.origin, environment);
  const everything = blocks.map((block) => block.code).join('\n\n');
  return (
    <Section
      id="api-quickstart"
      title="API quickstart"
      description="Use one copyable cURL path to quote, submit, and poll your first batch directly with a workspace-scoped key."
      actions={<CopyButton text={everything} label="Copy all" describedThing="quickstart commands" />}
    >
      <ol className="steps">
        <li>
          <strong>1. Create a key</strong>
          <p>
            {canManageWorkspace(current) ? (
              <>
                Create one under <a href="#api-keys">API keys</a> above and put it in <code>BR_API_KEY</code>.
              </>
            ) : (
              'Ask a workspace owner or admin to create a customer API key.'
            )}
          </p>
        </li>
        <li>
          <strong>2. Quote and submit</strong>
          <p>The snippet uses bearer auth against the same batch endpoints as the browser console.</p>
        </li>
        <li>
          <strong>3. Poll results</strong>
          <p>
            Keep the returned batch id and call the batch + results endpoints until artifacts are ready, or watch it under <Link to="/batches">Batches</Link>.
          </p>
        </li>
      </ol>
      {blocks.map((block) => (
        <div className="code-block" key={block.title}>
          <div className="code-title">
            <h3>{block.title}</h3>
            <CopyButton text={block.code} describedThing={`the ${block.title.toLowerCase()} command`} />
          </div>
          <pre tabIndex={0} aria-label={`${block.title} command`}>
            <code>{block.code}</code>
          </pre>
        </div>
      ))}
    </Section>
  );
}
