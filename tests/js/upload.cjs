// Drive tus-js-client from the Python tests: node upload.cjs '<json args>' -> one JSON line.
// args: file, headers, uploadUrl | endpoint, chunkSize, parallelUploads, metadata,
//       abortAtFraction (abort mid-PATCH once, then resume from the same URL).
'use strict'
const fs = require('fs')
const tus = require('tus-js-client')

const args = JSON.parse(process.argv[2])
const data = fs.readFileSync(args.file)
let aborted = false
let resumed = false

function finish(result, code) {
  process.stdout.write(JSON.stringify(result) + '\n')
  process.exit(code)
}

const upload = new tus.Upload(data, {
  uploadUrl: args.uploadUrl || null,
  endpoint: args.endpoint || null,
  headers: args.headers || {},
  chunkSize: args.chunkSize || Infinity,
  parallelUploads: args.parallelUploads || 1,
  metadata: args.metadata || {},
  retryDelays: [0, 250, 500, 1000, 2000],
  storeFingerprintForResuming: false,
  onProgress(sent, total) {
    if (args.abortAtFraction && !aborted && sent >= total * args.abortAtFraction) {
      aborted = true
      upload.abort(false).then(() => {
        setTimeout(() => {
          resumed = true
          upload.start()
        }, 300)
      })
    }
  },
  onSuccess() {
    finish({ ok: true, url: upload.url, aborted, resumed }, 0)
  },
  onError(err) {
    finish({ ok: false, error: String(err), aborted, resumed }, 1)
  },
})
upload.start()
