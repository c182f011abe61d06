// RAGFlow's response helpers (api/utils/api_utils.py, ragflow-api.md §2.1) and the Reply type routes return.
// Each helper emits exactly the keys RAGFlow's does: clients must cope with `message` or `data` missing.

export type JsonValue = unknown;

export type Reply =
  | { readonly kind: 'json'; readonly status: number; readonly body: JsonValue; readonly headers?: Record<string, string> }
  | {
      readonly kind: 'file';
      readonly status: number;
      readonly path: string;
      readonly size: number;
      readonly headers: Record<string, string>;
    }
  | { readonly kind: 'text'; readonly status: number; readonly body: string; readonly headers: Record<string, string> };

export function json(body: JsonValue, status = 200, headers?: Record<string, string>): Reply {
  return headers ? { kind: 'json', status, body, headers } : { kind: 'json', status, body };
}

/** get_json_result: always code, message and data. */
export function getJsonResult(code = 0, message = 'success', data: JsonValue = null, status = 200): Reply {
  return json({ code, message, data }, status);
}

/** get_data_error_result: {code, message} (no data). */
export function getDataErrorResult(message = 'Sorry! Data missing!', code = 102): Reply {
  return json({ code, message });
}

/** get_result (v1): success → {code:0[,data][,total_datasets]}; error → {code, message || "Error"}. */
export function getResult(opts: { code?: number; message?: string; data?: JsonValue; total?: number } = {}): Reply {
  const code = opts.code ?? 0;
  if (code === 0) {
    const body: Record<string, unknown> = { code };
    if (opts.data !== undefined && opts.data !== null) body['data'] = opts.data;
    if (opts.total !== undefined) body['total_datasets'] = opts.total;
    return json(body);
  }
  return json({ code, message: opts.message || 'Error' });
}

/** get_error_data_result (v1): {code, message}. */
export function getErrorDataResult(message = 'Sorry! Data missing!', code = 102): Reply {
  return json({ code, message });
}

/** get_error_argument_result: get_result with code 101. */
export function getErrorArgumentResult(message = 'Invalid arguments'): Reply {
  return getResult({ code: 101, message });
}

/** get_error_permission_result: get_result with code 108. */
export function getErrorPermissionResult(message = 'Permission error'): Reply {
  return getResult({ code: 108, message });
}

/** construct_json_result: {code, message[, data]}. */
export function constructJsonResult(code = 0, message = 'success', data?: JsonValue): Reply {
  return data === undefined || data === null ? json({ code, message }) : json({ code, message, data });
}

/** server_error_response for an exception whose repr() is given: HTTP 200, code 100. */
export function serverError(repr: string): Reply {
  return getJsonResult(100, repr, null);
}

/** HTTP errors (404/405/413) that reach the generic exception handler: code 100, `<NotFound '404: Not Found'>`. */
export function httpExceptionEnvelope(status: 404 | 405 | 413 | 400): Reply {
  const names: Record<number, string> = {
    400: "<BadRequest '400: Bad Request'>",
    404: "<NotFound '404: Not Found'>",
    405: "<MethodNotAllowed '405: Method Not Allowed'>",
    413: "<RequestEntityTooLarge '413: Request Entity Too Large'>",
  };
  return serverError(names[status] ?? `<HTTPException '${status}'>`);
}

/** The `code` of a JSON reply body, for the request log. */
export function codeOf(reply: Reply): number | undefined {
  if (reply.kind !== 'json' || typeof reply.body !== 'object' || reply.body === null) return undefined;
  const code = (reply.body as Record<string, unknown>)['code'];
  return typeof code === 'number' ? code : undefined;
}
