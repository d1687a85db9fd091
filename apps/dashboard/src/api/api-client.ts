import { ApiError } from './api-error';
import type { TokenPrompt } from './token-prompt';

export type QueryParams = Record<string, string | number | undefined>;

/**
 * The page's only way to the server: the JSON API of docs/api/openapi.yaml, relative to the
 * page (`api/...`, so it works wherever the server mounts it). Sends the bearer token once one
 * was given; on 401 asks for it and tries again.
 */
export class ApiClient {
  constructor(
    private readonly tokens: TokenPrompt,
    private readonly base = new URL('api/', document.baseURI),
  ) {}

  get<T>(path: string, params: QueryParams = {}, signal?: AbortSignal): Promise<T> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return this.send('GET', url, undefined, signal) as Promise<T>;
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.send('POST', new URL(path, this.base), JSON.stringify(body)) as Promise<T>;
  }

  async delete(path: string): Promise<void> {
    await this.send('DELETE', new URL(path, this.base));
  }

  private async send(method: string, url: URL, body?: string, signal?: AbortSignal) {
    for (;;) {
      const token = this.tokens.current();
      const response = await this.fetch(method, url, token, body, signal);
      if (response.status !== 401) return this.read(response);
      await this.tokens.ask(token !== null);
    }
  }

  private async fetch(
    method: string,
    url: URL,
    token: string | null,
    body?: string,
    signal?: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetch(url, { method, headers, body, signal });
    } catch (error) {
      if (ApiError.isAbort(error)) throw error;
      throw new ApiError(0, `Cannot reach the server (${ApiError.messageOf(error)})`);
    }
  }

  private async read(response: Response): Promise<unknown> {
    if (response.status === 204) return undefined;
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok) return json;
    const error = (json as { error?: unknown } | undefined)?.error;
    const message =
      typeof error === 'string' ? error : `${response.status} ${response.statusText}`.trim();
    throw new ApiError(response.status, message);
  }
}
