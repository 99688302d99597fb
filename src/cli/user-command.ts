import { HeraldUsers } from '../auth/herald-users.js'
import { withStore } from './open-store.js'
import { COMMON_OPTIONS, EXIT_OK, failure, parseCommandLine, usageError } from './usage.js'

export const USER_HELP = `Usage:
  herald user add NAME --password PW   add a user of the event server (zmNinja logins);
                                       the password may come from HERALD_USER_PASSWORD instead
  herald user list                     list the users, with the date each was added
  herald user remove NAME              remove a user

Options:
  -c, --config FILE   settings file, as for serve (the users live in its database)
  -p, --password PW   the new user's password (visible to other local users in ps; prefer the env)
`

const OPTIONS = { ...COMMON_OPTIONS, password: { type: 'string', short: 'p' } } as const

/** The password env variable; read only here, by the command that needs it. */
export const PASSWORD_ENV = 'HERALD_USER_PASSWORD'

/** `herald user …`: Herald's own users for the event server's auth. */
export async function runUserCommand (args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCommandLine(args, OPTIONS, USER_HELP)
  if (typeof parsed === 'number') return parsed
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(USER_HELP)
    return EXIT_OK
  }
  const [action, name, ...extra] = positionals
  const settings = { ...(values.config !== undefined ? { file: values.config } : {}), env }
  if (extra.length > 0) return usageError(`unexpected argument "${extra[0] as string}"`, USER_HELP)
  switch (action) {
    case 'add': {
      if (name === undefined) return usageError('user add needs a NAME', USER_HELP)
      const password = values.password ?? env[PASSWORD_ENV]
      if (password === undefined) return usageError(`user add needs --password PW or ${PASSWORD_ENV}`, USER_HELP)
      const added = await withStore(settings, async (store) => await new HeraldUsers(store).add(name, password))
      if (!added) return failure(`user "${name}" already exists; remove it first to set a new password`)
      process.stdout.write(`user "${name}" added\n`)
      return EXIT_OK
    }
    case 'list': {
      if (name !== undefined) return usageError(`unexpected argument "${name}"`, USER_HELP)
      const users = await withStore(settings, async (store) => await new HeraldUsers(store).list())
      for (const u of users) process.stdout.write(`${u.name}\t${new Date(u.createdAt).toISOString()}\n`)
      return EXIT_OK
    }
    case 'remove': {
      if (name === undefined) return usageError('user remove needs a NAME', USER_HELP)
      const removed = await withStore(settings, async (store) => await new HeraldUsers(store).remove(name))
      if (!removed) return failure(`no user "${name}"`)
      process.stdout.write(`user "${name}" removed\n`)
      return EXIT_OK
    }
    case undefined:
      return usageError('user needs an action: add, list or remove', USER_HELP)
    default:
      return usageError(`unknown user action "${action}"`, USER_HELP)
  }
}
