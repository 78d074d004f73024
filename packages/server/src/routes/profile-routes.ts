import { directorySizes, toCycloneDx, toSpdx, type FsNode, type MergedFileSystem } from '@berth/analysis';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { AppError, notFound } from '../errors.js';
import type { AppDeps } from '../http/app-deps.js';
import { requireUser } from '../http/principal.js';
import { ImageSpecSchema, ProblemSchema, problemResponses } from '../http/schemas.js';
import type { ProfileRecord } from '../profiles/profile-store.js';
import { ownedBy } from '../stores/stores.js';

const ImageSpec = ImageSpecSchema;
const Progress = Type.Union([
  Type.Object({
    layersDone: Type.Integer(),
    layersTotal: Type.Integer(),
    bytesDone: Type.Integer(),
    bytesTotal: Type.Integer(),
  }),
  Type.Null(),
]);
const ProfileState = Type.Object({
  id: Type.String(),
  status: Type.String(),
  progress: Progress,
  error: Type.Optional(Type.String()),
  profile: Type.Optional(Type.Unknown()),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const FilesQuery = Type.Object(
  {
    path: Type.Optional(Type.String({ maxLength: 4096 })),
    layer: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const FileItem = Type.Object({
  name: Type.String(),
  path: Type.String(),
  type: Type.String(),
  size: Type.Integer(),
  mode: Type.Integer(),
  uid: Type.Integer(),
  gid: Type.Integer(),
  linkTarget: Type.Optional(Type.String()),
  layerIndex: Type.Integer(),
  childCount: Type.Optional(Type.Integer()),
  /** Directories: content bytes of the whole subtree (each inode once), so clients add nothing up. */
  totalSize: Type.Optional(Type.Integer()),
});
const SbomQuery = Type.Object(
  { format: Type.Union([Type.Literal('cyclonedx-json'), Type.Literal('spdx-json')]) },
  { additionalProperties: false },
);

function state(record: ProfileRecord): Static<typeof ProfileState> {
  return {
    id: record.id,
    status: record.status,
    progress: record.progress,
    ...(record.error ? { error: record.error } : {}),
    ...(record.status === 'done' && record.profile ? { profile: record.profile } : {}),
  };
}

function cleanPath(path: string | undefined): string {
  const parts = (path ?? '/').split('/').filter((p) => p && p !== '.');
  if (parts.includes('..')) throw new AppError(400, 'invalid_request', 'path must not contain ".."');
  return parts.join('/');
}

/** Directory sizes per merged tree, computed on the first listing and kept as long as the tree. */
const treeSizes = new WeakMap<MergedFileSystem, Map<FsNode, number>>();

function sizesOf(fs: MergedFileSystem): Map<FsNode, number> {
  let sizes = treeSizes.get(fs);
  if (!sizes) {
    sizes = directorySizes(fs);
    treeSizes.set(fs, sizes);
  }
  return sizes;
}

type LayerEntries = readonly { path: string; type: string; size: number }[];
const layerSizes = new WeakMap<LayerEntries, Map<string, number>>();

/** Directory sizes within one layer: the bytes of the regular files that layer writes under each. */
function layerDirectorySizes(entries: LayerEntries): Map<string, number> {
  let sizes = layerSizes.get(entries);
  if (!sizes) {
    sizes = new Map();
    for (const e of entries) {
      if (e.type !== 'file' || e.size === 0) continue;
      for (let i = e.path.indexOf('/'); i > 0; i = e.path.indexOf('/', i + 1)) {
        const dir = e.path.slice(0, i);
        sizes.set(dir, (sizes.get(dir) ?? 0) + e.size);
      }
    }
    layerSizes.set(entries, sizes);
  }
  return sizes;
}

/** Container Profiles (API.md "Images, profiles, diffs"). */
export function registerProfileRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<{ Body: { image: Static<typeof ImageSpec> } }>(
    '/api/v1/profiles',
    {
      schema: {
        tags: ['profiles'],
        summary:
          'Profile an image: 200 with the profile when it was analysed before, else 202 and analysis starts',
        body: Type.Object({ image: ImageSpec }, { additionalProperties: false }),
        response: {
          200: ProfileState,
          202: ProfileState,
          ...problemResponses,
          422: ProblemSchema,
          502: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const owned = ownedBy(deps.stores, requireUser(request).id);
      const record = await deps.profileService.request(owned, request.body.image);
      return reply.code(record.status === 'done' ? 200 : 202).send(state(record));
    },
  );

  const readable = async (ownerId: string, id: string) => {
    const record = await deps.profiles.get(ownerId, id);
    if (!record) throw notFound('profile');
    return record;
  };

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/profiles/:id',
    {
      schema: {
        tags: ['profiles'],
        summary: 'A profile, with live progress while it is analysed',
        params: IdParams,
        response: { 200: ProfileState, ...problemResponses },
      },
    },
    async (request) => state(await readable(requireUser(request).id, request.params.id)),
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof FilesQuery> }>(
    '/api/v1/profiles/:id/files',
    {
      schema: {
        tags: ['profiles'],
        summary: 'One directory level of the merged file system, or of one layer',
        params: IdParams,
        querystring: FilesQuery,
        response: {
          200: Type.Object({
            path: Type.String(),
            /** Content bytes under the listed directory. */
            totalSize: Type.Optional(Type.Integer()),
            items: Type.Array(FileItem),
          }),
          ...problemResponses,
          409: ProblemSchema,
        },
      },
    },
    async (request) => {
      const record = await readable(requireUser(request).id, request.params.id);
      const dir = cleanPath(request.query.path);
      const { fs, layers } = await deps.profileService.fileSystem(record);
      const prefix = dir ? `${dir}/` : '';
      if (request.query.layer !== undefined) {
        const layer = layers[request.query.layer];
        if (request.query.layer >= layers.length) throw notFound(`layer ${request.query.layer}`);
        const entries = layer?.entries ?? [];
        const sizes = layerDirectorySizes(entries);
        const items = entries
          .filter((e) => e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes('/'))
          .map((e) => ({
            name: e.path.slice(prefix.length),
            path: `/${e.path}`,
            type: e.type,
            size: e.size,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            ...(e.linkTarget ? { linkTarget: e.linkTarget } : {}),
            layerIndex: request.query.layer ?? 0,
            ...(e.type === 'dir' ? { totalSize: sizes.get(e.path) ?? 0 } : {}),
          }))
          .sort((a, b) => (a.name < b.name ? -1 : 1));
        const totalSize = dir
          ? (sizes.get(dir) ?? 0)
          : entries.reduce((sum, e) => sum + (e.type === 'file' ? e.size : 0), 0);
        return { path: `/${dir}`, totalSize, items };
      }
      const node = dir ? fs.lookup(dir, { follow: true }) : undefined;
      if (dir && node?.type !== 'dir') throw notFound(`directory /${dir}`);
      const sizes = sizesOf(fs);
      const items = fs.list(dir).map(([name, n]) => ({
        name,
        path: `/${prefix}${name}`,
        type: n.type,
        size: n.inode?.size ?? 0,
        mode: n.mode,
        uid: n.uid,
        gid: n.gid,
        ...(n.linkTarget ? { linkTarget: n.linkTarget } : {}),
        layerIndex: n.layerIndex,
        ...(n.children ? { childCount: n.children.size } : {}),
        ...(n.type === 'dir' ? { totalSize: sizes.get(n) ?? 0 } : {}),
      }));
      return { path: `/${dir}`, totalSize: sizes.get(node ?? fs.root) ?? 0, items };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/profiles/:id/dockerfile',
    {
      schema: {
        tags: ['profiles'],
        summary: 'The Dockerfile reconstructed from the image history (text/plain)',
        params: IdParams,
        response: { 200: Type.String(), ...problemResponses, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const record = await readable(requireUser(request).id, request.params.id);
      if (!record.profile)
        throw new AppError(409, 'profile_not_ready', 'the profile is still being analysed');
      return reply.type('text/plain; charset=utf-8').send(record.profile.dockerfile);
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof SbomQuery> }>(
    '/api/v1/profiles/:id/sbom',
    {
      schema: {
        tags: ['profiles'],
        summary: 'SBOM: CycloneDX or SPDX JSON',
        params: IdParams,
        querystring: SbomQuery,
        response: { 200: Type.Unknown(), ...problemResponses, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const record = await readable(requireUser(request).id, request.params.id);
      if (!record.profile)
        throw new AppError(409, 'profile_not_ready', 'the profile is still being analysed');
      const document =
        request.query.format === 'spdx-json' ? toSpdx(record.profile) : toCycloneDx(record.profile);
      const name = record.manifestDigest.replace(':', '-').slice(0, 30);
      return reply
        .type(
          request.query.format === 'spdx-json' ? 'application/spdx+json' : 'application/vnd.cyclonedx+json',
        )
        .header(
          'content-disposition',
          `attachment; filename="${name}.${request.query.format === 'spdx-json' ? 'spdx' : 'cdx'}.json"`,
        )
        .send(JSON.stringify(document));
    },
  );
}
