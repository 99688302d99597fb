// tsc compiles TypeScript only; the SQL migrations are read at run time and must sit beside the JS.
import { cpSync } from 'node:fs'
cpSync('src/store/sqlite/migrations', 'dist/store/sqlite/migrations', { recursive: true })
