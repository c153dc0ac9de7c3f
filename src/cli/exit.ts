export const EXIT_FAILURE = 1;
export const EXIT_CONFIG = 78;

/** An error the CLI reports as one human line before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_FAILURE) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}
