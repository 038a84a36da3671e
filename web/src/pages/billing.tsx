/** Billing: the balance (held, reserved, available), the reservations of running batches, the ledger and the grants. */
import { useState } from 'react';
import type { Billing, LedgerEntry, LedgerEntryType, List, Reservation } from '../api/types.ts';
import { DataTable, PagedTable } from '../components/data-table.tsx';
import { Section, Stat, StatusBadge } from '../components/display.tsx';
import { ErrorNotice, Loading } from '../components/feedback.tsx';
import { SelectField } from '../components/forms.tsx';
import { capitalize, formatDateTime, formatUsd } from '../format.ts';
import { usePagedList, useResource, useTitle, type PagedList } from '../hooks.ts';
import { Link } from '../router.tsx';

const ENTRY_TYPES: readonly LedgerEntryType[] = ['grant', 'reservation', 'capture', 'release', 'adjustment'];

export function BillingPage() {
  useTitle('Billing');
  const billing = useResource<Billing>('/v1/billing');
  const reservations = useResource<List<Reservation>>('/v1/billing/reservations');
  const [entryType, setEntryType] = useState<LedgerEntryType | ''>('');
  const ledger = usePagedList<LedgerEntry>(`/v1/billing/ledger?limit=20${entryType === '' ? '' : `&entry_type=${entryType}`}`);
  const grants = usePagedList<LedgerEntry>('/v1/billing/ledger?limit=10&entry_type=grant');
  return (
    <div>
      <header className="page-header">
        <h1>Billing</h1>
        <p className="description">Prepaid credits in US dollars. Submitting a batch reserves its quoted maximum; when it ends, the actual cost is captured and the rest released.</p>
      </header>
      <ErrorNotice error={billing.error} />
      {billing.loading && !billing.data && <Loading>Loading billing…</Loading>}
      {billing.data && (
        <dl className="stats" aria-label="Credits">
          <Stat label="Balance" value={formatUsd(billing.data.balance)} hint="All credits held by this workspace." testId="billing-balance" />
          <Stat label="Reserved" value={formatUsd(billing.data.reserved)} hint="Held by batches still running, until they settle." testId="billing-reserved" />
          <Stat label="Available" value={formatUsd(billing.data.available)} hint="What new batches may reserve." testId="billing-available" />
        </dl>
      )}
      <Section id="reservations" title="Reservations" description="Batches holding credits now.">
        <ErrorNotice error={reservations.error} />
        {reservations.data && reservations.data.data.length === 0 && <p className="hint">No batch is holding a reservation.</p>}
        {reservations.data && reservations.data.data.length > 0 && (
          <DataTable caption="Reservations" testId="reservations-table" columns={['Batch', 'Status', 'Reserved', 'Submitted']}>
            {reservations.data.data.map((reservation) => (
              <tr key={reservation.batch_id}>
                <th scope="row">
                  <Link to={`/batches/${reservation.batch_id}`}>
                    <code>{reservation.batch_id}</code>
                  </Link>
                </th>
                <td>
                  <StatusBadge status={reservation.status} />
                </td>
                <td>{formatUsd(reservation.reserved)}</td>
                <td>{formatDateTime(reservation.created_at)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Section>
      <Section id="grants" title="Grants" description="Credits added to this workspace.">
        <LedgerTable list={grants} caption="Grants" testId="grants-table" empty="No credits have been granted yet." />
      </Section>
      <Section
        id="ledger"
        title="Ledger"
        description="Every movement of credits, newest first, with the balance after it."
        actions={
          <SelectField
            label="Entry type"
            name="entry_type"
            value={entryType}
            onChange={(event) => setEntryType(event.target.value as LedgerEntryType | '')}
            options={[{ value: '', label: 'All entries' }, ...ENTRY_TYPES.map((type) => ({ value: type, label: capitalize(type) }))]}
          />
        }
      >
        <LedgerTable list={ledger} caption="Ledger entries" testId="ledger-table" empty="No ledger entries." />
      </Section>
    </div>
  );
}

const LEDGER_COLUMNS = ['When', 'Type', { label: 'Amount', numeric: true }, { label: 'Balance after', numeric: true }, 'Reason'];

function LedgerTable({ list, caption, testId, empty }: { list: PagedList<LedgerEntry>; caption: string; testId: string; empty: string }) {
  return (
    <PagedTable
      list={list}
      what="entries"
      caption={caption}
      testId={testId}
      columns={LEDGER_COLUMNS}
      empty={<p className="hint">{empty}</p>}
      row={(entry) => (
        <tr key={entry.id}>
          <td>{formatDateTime(entry.created_at)}</td>
          <td>{capitalize(entry.entry_type)}</td>
          <td className={`number ${entry.amount.startsWith('-') ? 'negative' : 'positive'}`}>{formatUsd(entry.amount)}</td>
          <td className="number">{formatUsd(entry.balance_after)}</td>
          <td>{entry.reason ?? '--'}</td>
        </tr>
      )}
    />
  );
}
