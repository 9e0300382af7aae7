import t from 'tap'
import { ISSUED_KEPT, ISSUED_KEY_CHARS, PageTokens } from '../../src/store/page-token.js'

// Tokens are remembered so a page polled again signs nothing; what is remembered stays bounded
// even when every query is as long as a route accepts (a job list's 100 job_ids of 128 characters).
t.test('remembered tokens are bounded in count and in key length; every token still reads back', async (t) => {
  const tokens = new PageTokens('secret')
  const short = JSON.stringify(['batches', null, 'RUNNING'])
  const first = tokens.issue({ createdAt: 5, id: 'bat-1' }, short)
  t.equal(tokens.issue({ createdAt: 5, id: 'bat-1' }, short), first, 'a page polled again answers the same token')
  t.same(tokens.read(first, short), { createdAt: 5, id: 'bat-1' })
  t.equal(tokens.read(first, `${short} `), null, 'bound to its query')

  const ids = (i: number) => Array.from({ length: 100 }, (_, k) => `job-${String(i).padStart(8, '0')}-${'x'.repeat(110)}-${k}`)
  let readBack = 0
  // With the short one, as many queries as are kept: none of them pushes the others out.
  for (let i = 0; i < ISSUED_KEPT - 1; i++) {
    const fingerprint = JSON.stringify(['job_ids', 'parse', null, ids(i)])
    const token = tokens.issue({ createdAt: i, id: `bat-${i}#3` }, fingerprint)
    if (i % 97 === 0 && tokens.read(token, fingerprint)?.createdAt === i) readBack++
  }
  t.equal(readBack, Math.ceil((ISSUED_KEPT - 1) / 97), 'long-query tokens are valid')
  const perEntry = ISSUED_KEY_CHARS + 200
  t.ok(tokens.rememberedChars <= ISSUED_KEPT * perEntry, `remembered ${tokens.rememberedChars} chars, at most ${ISSUED_KEPT} × ${perEntry}`)
})
