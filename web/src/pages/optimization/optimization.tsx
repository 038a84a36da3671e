/**
 * Optimization: what the workspace's batches cost against the baseline and what would have cost
 * less; and what a workload run on OpenAI Batch (uploaded, or fetched with the workspace's OpenAI
 * key) would have cost on BatchRouter.
 */
import { useState } from 'react';
import { SectionNav } from '../../components/display.tsx';
import { useTitle } from '../../hooks.ts';
import { BatchesReport } from './batches-report.tsx';
import { ImportReportSection } from './import-report.tsx';
import { ImportUploadSection, type ImportSelection } from './import-upload.tsx';
import { OpenAIFetchSection } from './openai-fetch.tsx';

const SECTIONS = [
  ['savings-chart', 'Savings of your batches'],
  ['recommendations', 'Recommendations'],
  ['openai-upload', 'Upload an OpenAI workload'],
  ['openai-fetch', 'Fetch from OpenAI'],
  ['openai-report', 'OpenAI workload report'],
] as const;

export function OptimizationPage() {
  useTitle('Optimization');
  // The import the OpenAI report covers: the files just uploaded or fetched, else the latest import.
  const [selection, setSelection] = useState<ImportSelection | null>(null);
  return (
    <div>
      <header className="page-header">
        <h1>Optimization</h1>
        <p className="description">What your batches cost against the baseline and what would have cost less; and what a workload you ran on OpenAI Batch would have cost here.</p>
      </header>
      <SectionNav label="Optimization sections" sections={SECTIONS} />
      <BatchesReport />
      <ImportUploadSection onImported={setSelection} />
      <OpenAIFetchSection onImported={setSelection} />
      <ImportReportSection key={selection ? `${selection.outputFileId}/${selection.inputFileId ?? ''}` : 'latest'} selection={selection} />
    </div>
  );
}
