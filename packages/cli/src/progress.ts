/** A one-line progress bar on standard error, drawn only when it is a terminal (never into logs or pipes). */
export class Progress {
  /** True when the bar is drawn: standard error is a terminal and there is more than one file. */
  readonly enabled: boolean;
  private last = 0;
  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = Boolean(stream.isTTY) && total > 1;
  }

  tick(done: number, label: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < this.total && now - this.last < 50) return;
    this.last = now;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const cols = this.stream.columns || 80; // a pseudo-terminal may report 0 columns
    const line = `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${this.total} ${label}`;
    this.stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length + 10))}`);
  }

  done(): void {
    if (this.enabled) this.stream.write("\n");
  }
}
