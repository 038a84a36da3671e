/**
 * Uploading a workload that ran on OpenAI Batch: its output file (output and error lines alike)
 * and, optionally, its input file, each sent as it is to POST /v1/files?purpose=import; the
 * report then covers them.
 */
import { useState } from 'react';
import { api, ApiRequestError, withQuery } from '../../api/client.ts';
import type { ImportFile } from '../../api/types.ts';
import { Section } from '../../components/display.tsx';
import { ErrorNotice, SuccessNotice } from '../../components/feedback.tsx';
import { Field, formFile, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { formatCount } from '../../format.ts';
import { useAction } from '../../hooks.ts';

/** The import files a report covers. */
export interface ImportSelection {
  outputFileId: string;
  inputFileId: string | null;
}

const FORMAT_NAMES: Record<ImportFile['import_format'], string> = { openai_batch_output: 'an output file', openai_batch_input: 'an input file' };

/** Uploads one file; refuses it when it is not the kind its field asks for, naming the field it belongs in. */
async function uploadImportFile(file: File, expected: ImportFile['import_format'], otherField: string): Promise<ImportFile> {
  const uploaded = await api.upload<ImportFile>(withQuery('/v1/files', { purpose: 'import', filename: file.name.slice(0, 255) }), file, 'application/jsonl');
  if (uploaded.import_format !== expected) {
    throw new ApiRequestError(400, 'wrong_import_file', `${file.name} is ${FORMAT_NAMES[uploaded.import_format]} of OpenAI Batch: choose it as the ${otherField}.`);
  }
  return uploaded;
}

export function ImportUploadSection({ onImported }: { onImported(selection: ImportSelection): void }) {
  const [uploaded, setUploaded] = useState<string | null>(null);
  const upload = useAction(async (form: HTMLFormElement) => {
    setUploaded(null);
    const output = formFile(form, 'output_file');
    if (output === null) throw new ApiRequestError(400, 'file_required', 'Choose the OpenAI Batch output file to upload.');
    const input = formFile(form, 'input_file');
    const outputFile = await uploadImportFile(output, 'openai_batch_output', 'input file');
    const inputFile = input === null ? null : await uploadImportFile(input, 'openai_batch_input', 'output file');
    setUploaded(
      `Uploaded ${outputFile.filename} (${formatCount(outputFile.item_count)} lines)${inputFile ? ` and ${inputFile.filename} (${formatCount(inputFile.item_count)} lines)` : ''}: the report below covers ${inputFile ? 'them' : 'it'}.`,
    );
    form.reset();
    onImported({ outputFileId: outputFile.id, inputFileId: inputFile?.id ?? null });
  });
  return (
    <Section
      id="openai-upload"
      title="Upload an OpenAI Batch workload"
      description="See what a workload you ran on OpenAI Batch would have cost on BatchRouter. Only each line's custom id, status, model, endpoint and usage are kept: no prompt, no answer."
    >
      <ErrorNotice error={upload.error} title="The upload was refused." />
      <SuccessNotice>{uploaded}</SuccessNotice>
      <form className="stack" aria-label="Upload an OpenAI Batch workload" onSubmit={onSubmitForm(upload.run)}>
        <Field
          label="Output file"
          name="output_file"
          type="file"
          accept=".jsonl,.ndjson,.txt,application/jsonl"
          required
          hint="The JSONL file OpenAI Batch wrote: answered and failed lines alike, in any order (append the error file's lines to the output file's)."
        />
        <Field label="Input file (optional)" name="input_file" type="file" accept=".jsonl,.ndjson,.txt,application/jsonl" hint="The JSONL file the batch was created from: it gives failed lines their model." />
        <SubmitButton pending={upload.pending} pendingText="Uploading…">
          Upload and compare
        </SubmitButton>
      </form>
    </Section>
  );
}
