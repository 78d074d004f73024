import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createPrompter, NoAnswerError, type PromptInput } from './prompt.js';

/** A stand-in for stdin: a terminal (with raw mode) or a pipe. */
function fakeInput(
  isTTY: boolean,
): PromptInput & EventEmitter & { modes: boolean[]; type(text: string): void } {
  const emitter = new EventEmitter();
  const modes: boolean[] = [];
  const input = Object.assign(emitter, {
    isTTY,
    modes,
    setRawMode: (raw: boolean) => modes.push(raw),
    resume: () => {},
    pause: () => {},
    type: (text: string) => void emitter.emit('data', Buffer.from(text)),
  });
  return input as unknown as PromptInput & EventEmitter & { modes: boolean[]; type(text: string): void };
}

describe('createPrompter', () => {
  it('reads answers that arrive together from a pipe, one per question', async () => {
    const input = fakeInput(false);
    let written = '';
    const prompter = createPrompter(input, { write: (t: string) => (written += t) });
    const first = prompter.ask('E-mail: ');
    input.type('me@example.com\r\nsecret\n');
    expect(await first).toBe('me@example.com');
    expect(await prompter.ask('Password: ', { hidden: true })).toBe('secret');
    expect(written).toBe('E-mail: Password: ');
    expect(input.modes).toEqual([]);
  });

  it('reads a hidden answer in raw mode on a terminal, with backspace, echoing nothing', async () => {
    const input = fakeInput(true);
    let written = '';
    const events: string[] = [];
    const prompter = createPrompter(input, {
      write: (t: string) => {
        written += t;
        events.push(`write ${JSON.stringify(t)} (raw modes so far: ${input.modes.join(',')})`);
      },
    });
    const answer = prompter.ask('Password: ', { hidden: true });
    for (const key of ['s', 'e', 'x', '\u007f', 'c', '\r']) input.type(key);
    expect(await answer).toBe('sec');
    expect(input.modes).toEqual([true, false]);
    expect(written).toBe('Password: \n');
    // Echo is off before the question is visible, so nothing typed after it can show.
    expect(events[0]).toBe('write "Password: " (raw modes so far: true)');
  });

  it('rejects with NoAnswerError when the input ends', async () => {
    const input = fakeInput(false);
    const prompter = createPrompter(input, { write: () => {} });
    const answer = prompter.ask('Name: ');
    input.emit('end');
    await expect(answer).rejects.toBeInstanceOf(NoAnswerError);
  });

  it('takes a last line without a newline at the end of the input', async () => {
    const input = fakeInput(false);
    const prompter = createPrompter(input, { write: () => {} });
    const answer = prompter.ask('Name: ');
    input.type('local');
    input.emit('end');
    expect(await answer).toBe('local');
  });
});
