import t from 'tap'
import { Directories, DERIVED_DIRECTORY_CACHE } from '../../src/store/directories.js'
import { listedDirectory, type Directory } from '../../src/domain/directory.js'
import { DirectoryNotFoundError } from '../../src/domain/errors.js'

const DEFAULTS = { directoryFiles: { min: 3, max: 30 }, fileErrorRate: 0.3 }

/** Every file of a directory, as plain data, to compare two directories by content. */
const contents = (d: Directory) => ({ id: d.id, count: d.count, files: Array.from({ length: d.count }, (_, i) => ({ ...d.file(i), name: d.file(i).name })) })

t.test('a declared directory wins over derivation, whatever derive allows', async (t) => {
  const dirs = new Directories(7, DEFAULTS)
  const declared = listedDirectory('dir-mine', [{ id: 'dfl-1', name: 'a.pdf', error: null }])
  dirs.declare(declared)
  t.ok(dirs.has('dir-mine'))
  t.equal(dirs.get('dir-mine'), declared)
  t.equal(dirs.resolve('dir-mine', { derive: true }), declared)
  t.equal(dirs.resolve('dir-mine', { derive: false }), declared)
  t.equal(dirs.size, 1)
  const again = listedDirectory('dir-mine', [])
  dirs.declare(again)
  t.equal(dirs.get('dir-mine'), again, 'declaring again replaces (an inline directory over an earlier one)')
})

t.test('derivation is deterministic for the same seed and id', async (t) => {
  const a = new Directories(7, DEFAULTS).resolve('dir-unknown', { derive: true })
  const b = new Directories(7, DEFAULTS).resolve('dir-unknown', { derive: true })
  t.same(contents(a), contents(b), 'two owners, same seed and id: same files')
  t.ok(a.count >= 3 && a.count <= 30, 'the count is within the default range')
  t.ok(contents(a).files.some((f) => f.error !== null), 'the error rate is applied')
  const other = new Directories(8, DEFAULTS).resolve('dir-unknown', { derive: true })
  t.notSame(contents(other).files.map((f) => f.id), contents(a).files.map((f) => f.id), 'another seed: other files')
  const dirs = new Directories(7, DEFAULTS)
  const first = dirs.resolve('dir-x', { derive: true })
  t.equal(dirs.resolve('dir-x', { derive: true }), first, 'cached: the same object again')
  t.equal(dirs.get('dir-x'), undefined, 'a derived directory is not declared')
  t.notOk(dirs.has('dir-x'))
  t.same(contents(dirs.derive('dir-x')), contents(first), 'derive() gives the same files, uncached')
})

t.test('when derivation is not allowed (exclusive directories), an unknown id is refused', async (t) => {
  const dirs = new Directories(7, DEFAULTS)
  t.throws(() => dirs.resolve('dir-nope', { derive: false }), DirectoryNotFoundError)
  t.throws(() => dirs.resolve('dir-nope', { derive: false }), { code: 'DIRECTORY_NOT_FOUND', message: 'Directory not found: dir-nope' })
  t.equal(dirs.derivedCount, 0, 'nothing derived or cached')
  dirs.resolve('dir-nope', { derive: true })
  t.throws(() => dirs.resolve('dir-nope', { derive: false }), DirectoryNotFoundError, 'a derived directory does not make the id declared')
})

t.test('the derived cache is bounded; beyond, directories are derived again, with the same files', async (t) => {
  const dirs = new Directories(7, DEFAULTS, 3)
  const first = dirs.resolve('dir-0', { derive: true })
  for (let i = 1; i < 10; i++) {
    dirs.resolve(`dir-${i}`, { derive: true })
    t.ok(dirs.derivedCount <= 3, `at most 3 held after ${i + 1}`)
  }
  const again = dirs.resolve('dir-0', { derive: true })
  t.not(again, first, 'dropped from the cache, derived again')
  t.same(contents(again), contents(first), 'with the same files')
})

t.test('the default bound holds', async (t) => {
  const dirs = new Directories(7, DEFAULTS)
  for (let i = 0; i < DERIVED_DIRECTORY_CACHE + 10; i++) dirs.resolve(`dir-${i}`, { derive: true })
  t.ok(dirs.derivedCount <= DERIVED_DIRECTORY_CACHE)
  t.equal(dirs.size, 0)
})
