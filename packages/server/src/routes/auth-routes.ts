import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from 'typebox';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from '../crypto/password.js';
import { AppError } from '../errors.js';
import type { AppDeps } from '../http/app-deps.js';
import { requireUser, SESSION_COOKIE } from '../http/principal.js';
import { problemResponses, UserSchema } from '../http/schemas.js';
import { normaliseEmail, type User } from '../stores/user-store.js';

const Credentials = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    // NIST SP 800-63B: at least 8 characters; an upper bound keeps hashing cheap to refuse.
    password: Type.String({ minLength: 8, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
const Session = Type.Object({ user: UserSchema, csrfToken: Type.String() });

/** Sign-up, log-in, log-out and `/me` (API.md "Accounts"). */
export function registerAuthRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { stores, config } = deps;

  const startSession = async (reply: FastifyReply, user: User) => {
    const session = await stores.sessions.create(user.id);
    void reply.setCookie(SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.cookieSecure,
      path: '/',
      expires: session.expiresAt,
    });
    return { user, csrfToken: session.csrfToken };
  };

  app.get(
    '/api/v1/auth/status',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Whether this server has accounts yet and takes sign-ups (no authentication needed)',
        response: {
          200: Type.Object({
            hasAccounts: Type.Boolean(),
            signup: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
          }),
        },
      },
    },
    async () => {
      const hasAccounts = (await stores.users.count()) > 0;
      // The first account can always be created; after that BERTH_SIGNUP decides.
      return {
        hasAccounts,
        signup: !hasAccounts || config.signup === 'open' ? ('open' as const) : ('closed' as const),
      };
    },
  );

  app.post<{ Body: Static<typeof Credentials> }>(
    '/api/v1/auth/signup',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account (the first one becomes admin)',
        body: Credentials,
        response: { 201: Session, 409: problemResponses[400], ...problemResponses },
      },
    },
    async (request, reply) => {
      if (config.signup === 'closed' && (await stores.users.count()) > 0) {
        throw new AppError(
          403,
          'signup_closed',
          'sign-up is closed on this server; ask an administrator for an account',
        );
      }
      const created = await stores.users.create(
        request.body.email,
        await hashPassword(request.body.password),
      );
      if (created === 'email_taken')
        throw new AppError(409, 'email_taken', 'an account with this e-mail address already exists');
      await stores.audit.record({
        actorId: created.id,
        action: 'user.signup',
        target: created.id,
        ip: request.ip,
        detail: { role: created.role },
      });
      return reply.code(201).send(await startSession(reply, created));
    },
  );

  app.post<{ Body: Static<typeof Credentials> }>(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Log in with e-mail and password',
        body: Credentials,
        response: { 200: Session, ...problemResponses },
      },
    },
    async (request, reply) => {
      const email = normaliseEmail(request.body.email);
      const keys = [`email:${email}`, `ip:${request.ip}`];
      const wait = await stores.loginThrottle.retryAfterSeconds(keys);
      if (wait > 0) {
        throw new AppError(429, 'too_many_attempts', `too many failed log-ins; try again in ${wait} s`, {
          headers: { 'retry-after': String(wait) },
        });
      }
      const user = await stores.users.findByEmail(email);
      // Verify against a dummy hash when the account does not exist: equal timing, no enumeration.
      const ok = await verifyPassword(request.body.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
      if (!user || !ok) {
        await stores.loginThrottle.recordFailure(keys);
        await stores.audit.record({
          actorId: user?.id ?? null,
          action: 'user.login_failed',
          ip: request.ip,
          detail: { reason: user ? 'password' : 'unknown_email' },
        });
        throw new AppError(401, 'invalid_credentials', 'the e-mail address or the password is wrong');
      }
      await stores.loginThrottle.clear(`email:${email}`);
      const { passwordHash: _hash, ...publicUser } = user;
      await stores.audit.record({ actorId: user.id, action: 'user.login', ip: request.ip });
      return startSession(reply, publicUser);
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      schema: {
        tags: ['accounts'],
        summary: 'End the session',
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind === 'session') {
        await stores.sessions.delete(principal.sessionToken);
        await stores.audit.record({ actorId: principal.user.id, action: 'user.logout', ip: request.ip });
      }
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'The signed-in user',
        response: {
          200: Type.Object({ user: UserSchema, csrfToken: Type.Optional(Type.String()) }),
          ...problemResponses,
        },
      },
    },
    (request) => {
      const user = requireUser(request);
      // The portal re-reads its CSRF token here after a reload.
      return request.principal?.kind === 'session'
        ? { user, csrfToken: request.principal.csrfToken }
        : { user };
    },
  );
}
