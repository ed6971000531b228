// Ends every run with one plain line, `jest: N passed, N failed[, N skipped]`, that CI tools read.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    // stderr, like the default reporter it follows, so the line stays last.
    process.stderr.write(`${line}${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}
