/**
 * The recommendations of an optimization report (of the workspace's batches, or of an OpenAI
 * workload): what they would have saved together, then each one, largest effect first, with its
 * dollar effect, the items it concerns, a few examples, why, and the changes it makes in detail.
 */
import type { Recommendation, Savings } from '../../api/types.ts';
import { DataTable } from '../../components/data-table.tsx';
import { formatCount, formatUsd } from '../../format.ts';
import { Link } from '../../router.tsx';

type Heading = 'h3' | 'h4';

interface RecommendationListProps {
  recommendations: readonly Recommendation[];
  potentialSavings: Savings;
  /** The heading of each recommendation, one level below the section holding the list. */
  heading: Heading;
  /** What the items are called: "items" (batches) or "lines" (an OpenAI workload). */
  things: string;
  /** What the potential savings are a share of: "of what these batches cost". */
  basis: string;
}

export function RecommendationList({ recommendations, potentialSavings, heading, things, basis }: RecommendationListProps) {
  if (recommendations.length === 0) return <p className="hint">Nothing would have cost less: no recommendation.</p>;
  const titleOf = (id: string) => recommendations.find((recommendation) => recommendation.id === id)?.title ?? id;
  return (
    <>
      <p className="potential-savings" data-testid="potential-savings">
        Together they would have saved <strong>{formatUsd(potentialSavings.amount)}</strong> ({potentialSavings.percent}% {basis}). Their effects add up: no {things.replace(/s$/, '')} is counted twice.
      </p>
      <ol className="recommendations">
        {recommendations.map((recommendation) => (
          <RecommendationItem key={recommendation.id} recommendation={recommendation} heading={heading} things={things} titleOf={titleOf} />
        ))}
      </ol>
    </>
  );
}

function RecommendationItem({ recommendation, heading: Title, things, titleOf }: { recommendation: Recommendation; heading: Heading; things: string; titleOf(id: string): string }) {
  const { effect, items } = recommendation;
  return (
    <li className="recommendation" data-testid={`recommendation-${recommendation.id}`}>
      <Title>{recommendation.title}</Title>
      <p className="recommendation-effect">
        <strong className="positive">Saves {formatUsd(effect.amount)}</strong> ({effect.percent}% of {formatUsd(recommendation.cost)}, {formatUsd(recommendation.alternative_cost)} instead) on{' '}
        {formatCount(items.count)} {items.count === 1 ? things.replace(/s$/, '') : things}
      </p>
      <p>{recommendation.explanation}</p>
      {recommendation.measured_after.map((after) => (
        <p key={after.recommendation} className="hint">
          {formatCount(after.items)} of these {things} are measured after “{titleOf(after.recommendation)}”.
        </p>
      ))}
      {items.examples.length > 0 && (
        <p className="examples">
          <span className="examples-label">For example: </span>
          {items.examples.map((example, index) => (
            <span key={`${example.batch_id ?? ''}/${example.customer_item_id ?? example.custom_id ?? index}`}>
              {index > 0 && ', '}
              <ExampleItem example={example} />
            </span>
          ))}
        </p>
      )}
      <details className="chart-data">
        <summary>The changes by model and lane</summary>
        <DataTable
          caption={`Changes of “${recommendation.title}”`}
          columns={['From', 'To', { label: things.charAt(0).toUpperCase() + things.slice(1), numeric: true }, { label: 'Cost', numeric: true }, { label: 'Instead', numeric: true }, { label: 'Saved', numeric: true }]}
        >
          {recommendation.changes.map((change) => (
            <tr key={`${change.model}/${change.lane}/${change.alternative_model}/${change.alternative_lane}`}>
              <th scope="row">
                {change.model} <span className="hint">on</span> <code>{change.lane}</code>
              </th>
              <td>
                {change.alternative_model} <span className="hint">on</span> <code>{change.alternative_lane}</code>
              </td>
              <td className="number">{formatCount(change.items)}</td>
              <td className="number">{formatUsd(change.cost)}</td>
              <td className="number">{formatUsd(change.alternative_cost)}</td>
              <td className="number">{formatUsd(change.effect)}</td>
            </tr>
          ))}
        </DataTable>
      </details>
    </li>
  );
}

/** A batch item (a link to its batch) or an OpenAI line (its custom id, and its OpenAI batch when known). */
function ExampleItem({ example }: { example: Recommendation['items']['examples'][number] }) {
  if (example.customer_item_id !== undefined && example.batch_id) {
    return (
      <>
        <code>{example.customer_item_id}</code> of <Link to={`/batches/${example.batch_id}`}>{example.batch_id}</Link>
      </>
    );
  }
  return (
    <>
      <code>{example.custom_id ?? example.customer_item_id ?? '--'}</code>
      {example.batch_id ? (
        <>
          {' '}
          of <code>{example.batch_id}</code>
        </>
      ) : null}
    </>
  );
}
