import { pageDiffList, type ImageDiff } from '@berth/analysis';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { DiffRecord } from '../diffs/diff-store.js';
import { notFound } from '../errors.js';
import type { AppDeps } from '../http/app-deps.js';
import { requireUser } from '../http/principal.js';
import { ImageSpecSchema, ProblemSchema, problemResponses } from '../http/schemas.js';
import { ownedBy } from '../stores/stores.js';

const ImageSpec = ImageSpecSchema;
const Body = Type.Object(
  {
    left: Type.Object({ image: ImageSpec }, { additionalProperties: false }),
    right: Type.Object({ image: ImageSpec }, { additionalProperties: false }),
    includeMetadata: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const DiffState = Type.Object({
  id: Type.String(),
  status: Type.String(),
  progress: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()]),
  error: Type.Optional(Type.String()),
  diff: Type.Optional(Type.Unknown()),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const FilesQuery = Type.Object(
  {
    change: Type.Union([Type.Literal('added'), Type.Literal('removed'), Type.Literal('modified')]),
    cursor: Type.Optional(Type.String({ maxLength: 20 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);
const FileQuery = Type.Object(
  { path: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
);

/** The first page of each file list rides along; the rest comes from `/files`. */
const INLINE_FILES = 100;

function state(record: DiffRecord): Static<typeof DiffState> {
  const diff: ImageDiff | null = record.diff;
  return {
    id: record.id,
    status: record.status,
    progress: record.progress,
    ...(record.error ? { error: record.error } : {}),
    ...(record.status === 'done' && diff
      ? {
          diff: {
            ...diff,
            files: {
              added: diff.files.added.slice(0, INLINE_FILES),
              removed: diff.files.removed.slice(0, INLINE_FILES),
              modified: diff.files.modified.slice(0, INLINE_FILES),
            },
          },
        }
      : {}),
  };
}

/** Image diffs (API.md "Images, profiles, diffs"). */
export function registerDiffRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<{ Body: Static<typeof Body> }>(
    '/api/v1/diffs',
    {
      schema: {
        tags: ['diffs'],
        summary: 'Compare two images: 200 with the diff when it was computed before, else 202',
        body: Body,
        response: {
          200: DiffState,
          202: DiffState,
          ...problemResponses,
          422: ProblemSchema,
          502: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const owned = ownedBy(deps.stores, requireUser(request).id);
      const record = await deps.diffService.request(
        owned,
        request.body.left.image,
        request.body.right.image,
        request.body.includeMetadata === true,
      );
      return reply.code(record.status === 'done' ? 200 : 202).send(state(record));
    },
  );

  const readable = async (ownerId: string, id: string) => {
    const record = await deps.diffs.get(ownerId, id);
    if (!record) throw notFound('diff');
    return record;
  };

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/diffs/:id',
    {
      schema: {
        tags: ['diffs'],
        summary: 'A diff, with progress while it is computed',
        params: IdParams,
        response: { 200: DiffState, ...problemResponses },
      },
    },
    async (request) => state(await readable(requireUser(request).id, request.params.id)),
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof FilesQuery> }>(
    '/api/v1/diffs/:id/files',
    {
      schema: {
        tags: ['diffs'],
        summary: 'One page of added, removed or modified files',
        params: IdParams,
        querystring: FilesQuery,
        response: { 200: Type.Unknown(), ...problemResponses, 409: ProblemSchema },
      },
    },
    async (request) => {
      const record = await readable(requireUser(request).id, request.params.id);
      if (!record.diff) throw notFound('finished diff');
      const list: readonly unknown[] = record.diff.files[request.query.change];
      return pageDiffList(list, {
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
        limit: request.query.limit ?? 100,
      });
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof FileQuery> }>(
    '/api/v1/diffs/:id/file',
    {
      schema: {
        tags: ['diffs'],
        summary: 'Unified diff of one text file present in both images',
        params: IdParams,
        querystring: FileQuery,
        response: {
          200: Type.Object({
            path: Type.String(),
            binary: Type.Boolean(),
            leftSize: Type.Integer(),
            rightSize: Type.Integer(),
            diff: Type.String(),
          }),
          ...problemResponses,
          413: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => {
      const owned = ownedBy(deps.stores, requireUser(request).id);
      const record = await readable(owned.ownerId, request.params.id);
      return deps.diffService.fileDiff(owned, record, request.query.path);
    },
  );
}
