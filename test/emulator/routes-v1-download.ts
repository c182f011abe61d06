// v1 download (§5.8): GET /datasets/{id}/documents/{doc} streams the stored bytes as an attachment.
import { v1Auth } from './auth.js';
import type { RequestContext } from './context.js';
import type { Reply } from './envelopes.js';
import { constructJsonResult, getDataErrorResult, getErrorDataResult } from './envelopes.js';
import type { Params, Route } from './router.js';
import { route } from './router.js';
import type { DocRecord } from './store.js';

export function v1DownloadRoutes(): Route[] {
  return [route('GET', '/api/v1/datasets/<dataset_id>/documents/<document_id>', download)];
}

function download(ctx: RequestContext, p: Params): Reply {
  const auth = v1Auth(ctx);
  if (!auth.ok) return auth.reply;
  const datasetId = p['dataset_id'] ?? '';
  const documentId = p['document_id'] ?? '';
  const restful = ctx.profile.v1Style === 'restful';
  const kb = ctx.store.kbById(datasetId);
  if (!kb) return restful ? getDataErrorResult('document not found') : getErrorDataResult(`You do not own the dataset ${datasetId}.`);
  const doc = ctx.store.doc(documentId);
  if (restful && !doc) return getDataErrorResult('document not found');
  if (!doc || doc.kbId !== datasetId) return getErrorDataResult(`The dataset not own the document ${documentId}.`);
  return fileReply(doc);
}

/** send_file(as_attachment=True): the stored bytes; an empty blob is "This file is empty." (§5.8). */
export function fileReply(doc: DocRecord, contentType = 'application/octet-stream'): Reply {
  if (doc.size === 0) return constructJsonResult(102, 'This file is empty.');
  return {
    kind: 'file',
    status: 200,
    path: doc.filePath,
    size: doc.size,
    headers: { 'content-type': contentType, 'content-disposition': contentDisposition(doc.name) },
  };
}

/** Werkzeug's attachment header: ASCII fallback plus RFC 5987 filename* for non-ASCII names. */
function contentDisposition(name: string): string {
   
  const ascii = /^[\x20-\x7e]*$/u.test(name);
  if (ascii) return `attachment; filename=${name.includes(' ') || name.includes(';') ? `"${name.replaceAll('"', '\\"')}"` : name}`;
  const fallback = name.normalize('NFKD').replace(/[^\x20-\x7e]/gu, '');
  return `attachment; filename=${fallback}; filename*=UTF-8''${encodeURIComponent(name)}`;
}
