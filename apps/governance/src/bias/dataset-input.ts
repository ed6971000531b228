/**
 * A bias report's input named as a registry dataset: the uploaded file must be that dataset, byte
 * for byte, so its SHA-256 must equal the dataset's content hash (a dataset registered by the hash
 * of a file held elsewhere). Checked before anything is stored.
 */
export function datasetInputRefusal(
  dataset: { readonly contentSha256: string } | null,
  fileSha256: string,
): 'bias.dataset_unknown' | 'bias.dataset_mismatch' | undefined {
  if (!dataset) return 'bias.dataset_unknown';
  return dataset.contentSha256 === fileSha256 ? undefined : 'bias.dataset_mismatch';
}
