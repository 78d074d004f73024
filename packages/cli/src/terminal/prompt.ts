/** The terminal (or pipe) that answers questions. */
export interface PromptInput {
  readonly isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface PromptOutput {
  write(text: string): unknown;
}

export interface AskOptions {
  /** Typed characters are not echoed (passwords, tokens). */
  readonly hidden?: boolean;
}

export interface Prompter {
  /** Writes `question` and reads one line (without its newline). */
  ask(question: string, options?: AskOptions): Promise<string>;
  /** Stops reading, so that the process can exit. */
  close(): void;
}

/** stdin ended before an answer: nobody is there to answer (a pipeline, `< /dev/null`). */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACES = new Set(['\u007f', '\b']);

/**
 * Asks questions on `output` (stderr, so stdout stays the command's result) and reads the
 * answers from `input`, a terminal or a pipe: several answers may arrive in one chunk from a
 * pipe, and they are kept for the following questions. Hidden answers switch a terminal to
 * raw mode and echo nothing; Ctrl-C there exits with 130 as shells expect.
 */
export function createPrompter(
  input: PromptInput = process.stdin,
  output: PromptOutput = process.stderr,
): Prompter {
  let buffer = '';
  let ended = false;
  let listening = false;
  let current:
    { line: string; raw: boolean; resolve: (s: string) => void; reject: (e: Error) => void } | undefined;

  const finish = (result: string | Error): void => {
    const request = current;
    if (!request) return;
    current = undefined;
    if (request.raw) {
      input.setRawMode?.(false);
      output.write('\n');
    }
    input.pause();
    if (typeof result === 'string') request.resolve(result);
    else request.reject(result);
  };

  const drain = (): void => {
    while (current && buffer.length > 0) {
      const char = buffer[0] as string;
      buffer = buffer.slice(1);
      if (char === '\n' || char === '\r') {
        if (char === '\r' && buffer.startsWith('\n')) buffer = buffer.slice(1);
        finish(current.line);
      } else if (current.raw && char === CTRL_C) {
        input.setRawMode?.(false);
        output.write('\n');
        process.exit(130);
      } else if (current.raw && char === CTRL_D) {
        if (current.line === '') finish(new NoAnswerError('no answer (end of input)'));
        else finish(current.line);
      } else if (current.raw && BACKSPACES.has(char)) {
        current.line = current.line.slice(0, -1);
      } else {
        current.line += char;
      }
    }
    if (current && ended) {
      if (current.line !== '') finish(current.line);
      else finish(new NoAnswerError('no answer: the input ended'));
    }
  };

  const onData = (chunk: Buffer | string): void => {
    buffer += chunk.toString();
    drain();
  };
  const onEnd = (): void => {
    ended = true;
    drain();
  };

  return {
    ask(question, options = {}) {
      if (current) return Promise.reject(new Error('one question at a time'));
      if (!listening) {
        input.on('data', onData);
        input.on('end', onEnd);
        listening = true;
      }
      return new Promise<string>((resolve, reject) => {
        const raw = options.hidden === true && input.isTTY === true && typeof input.setRawMode === 'function';
        current = { line: '', raw, resolve, reject };
        // Echo goes off before the question shows, as getpass(3) does: whatever is typed
        // once the prompt is visible must never reach the screen.
        if (raw) input.setRawMode?.(true);
        output.write(question);
        drain();
        if (current) input.resume();
      });
    },
    close() {
      if (!listening) return;
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.pause();
      listening = false;
    },
  };
}
