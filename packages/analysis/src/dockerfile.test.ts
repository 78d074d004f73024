import { describe, expect, it } from 'vitest';
import { reconstructDockerfile, toInstruction } from './dockerfile.js';

describe('reconstructDockerfile', () => {
  it.each([
    ['/bin/sh -c #(nop)  CMD ["bash"]', 'CMD ["bash"]'],
    ['/bin/sh -c #(nop) ADD file:abc123 in / ', 'ADD file:abc123 in /'],
    ['/bin/sh -c apt-get update && apt-get install -y curl', 'RUN apt-get update && apt-get install -y curl'],
    ['RUN /bin/sh -c npm ci # buildkit', 'RUN npm ci'],
    ['RUN |2 NODE=20 DEBUG= /bin/sh -c make # buildkit', 'RUN make'],
    ['|1 A=b /bin/sh -c echo $A', 'RUN echo $A'],
    ['COPY . /app # buildkit', 'COPY . /app'],
    ['WORKDIR /app', 'WORKDIR /app'],
    ['ADD rootfs /', 'ADD rootfs /'],
    ['', '# (no build step recorded)'],
    ['umoci config', '# umoci config'],
  ])('%j → %j', (createdBy, expected) => {
    expect(toInstruction(createdBy)).toBe(expected);
  });

  it('joins the steps in order', () => {
    expect(
      reconstructDockerfile([
        { createdBy: '/bin/sh -c #(nop) ADD file:x in / ', emptyLayer: false },
        { createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', emptyLayer: true },
      ]),
    ).toBe('ADD file:x in /\nCMD ["sh"]\n');
    expect(reconstructDockerfile([])).toBe('');
  });
});
