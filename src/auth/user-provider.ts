/**
 * Who may log in to the zmNinja event server. Herald's own users now; ZoneMinder's `Users` table
 * (bcrypt `$2y$` and MySQL 4.1 `*` hashes) when the ZoneMinder source arrives. The WebSocket
 * server only ever sees this interface.
 */
export interface UserProvider {
  /** Where the users come from, for log lines: `herald`, `zoneminder`. */
  readonly name: string
  /**
   * True when the user exists, may log in, and the password is right. A wrong password or an
   * unknown user is `false`, never an exception; an exception means the provider itself failed.
   */
  verify (username: string, password: string): Promise<boolean>
}
