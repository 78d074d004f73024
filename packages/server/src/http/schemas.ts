import { Type } from 'typebox';

/** Shapes shared by routes; they also drive response serialisation (unknown fields are dropped). */
export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
  createdAt: Type.String(),
});

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  instance: Type.Optional(Type.String()),
});

/** Error responses every authenticated route can give. */
export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  429: ProblemSchema,
} as const;

/** `linux/arm64` style. */
const Platform = Type.Optional(
  Type.String({ pattern: '^[a-z0-9._-]+/[a-z0-9._-]+(/[a-z0-9._-]+)?$', maxLength: 64 }),
);
/** How the API names an image (API.md "Images, profiles, diffs"). */
export const ImageSpecSchema = Type.Union([
  Type.Object(
    {
      connectorId: Type.String({ minLength: 1, maxLength: 64 }),
      repository: Type.String({ minLength: 1, maxLength: 512 }),
      reference: Type.String({ minLength: 1, maxLength: 256 }),
      platform: Platform,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { ref: Type.String({ minLength: 1, maxLength: 1024 }), platform: Platform },
    { additionalProperties: false },
  ),
]);
