import { h } from '../ui/dom';
import { ApiError } from './api-error';

const STORAGE_KEY = 'pulse.token';

/**
 * The API token (PULSE_HTTP_TOKEN), asked for when a call answers 401 and kept in
 * sessionStorage for the tab's life. Calls that are refused at the same time share one prompt.
 */
export class TokenPrompt {
  private pending: Promise<string> | undefined;
  private readonly input = h('input', {
    type: 'password',
    name: 'token',
    required: true,
    autocomplete: 'current-password',
    'data-testid': 'token-input',
  });
  private readonly refused = h(
    'p',
    { class: 'error', role: 'alert', 'data-testid': 'token-refused' },
    'The server refused that token.',
  );
  private readonly form = h(
    'form',
    { method: 'dialog', 'data-testid': 'token-form' },
    h('h2', { id: 'token-title' }, 'API token'),
    h('p', {}, 'This server asks for a token (its PULSE_HTTP_TOKEN) on every API call.'),
    this.refused,
    h('label', {}, 'Token ', this.input),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', 'data-testid': 'token-submit' }, 'Use token'),
      h(
        'button',
        { type: 'button', value: 'cancel', onclick: () => this.dialog.close() },
        'Cancel',
      ),
    ),
  );
  private readonly dialog = h('dialog', { 'aria-labelledby': 'token-title' }, this.form);

  constructor(private readonly storage: Storage = sessionStorage) {
    document.body.append(this.dialog);
  }

  /** The token in use, or null before one was given. */
  current(): string | null {
    return this.storage.getItem(STORAGE_KEY);
  }

  /**
   * Shows the form and resolves with the token typed (stored from then on); rejects with the
   * 401 if the user cancels. `refused`: the token in use was just refused.
   */
  ask(refused: boolean): Promise<string> {
    this.pending ??= this.show(refused).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private show(refused: boolean): Promise<string> {
    this.refused.hidden = !refused;
    this.input.value = '';
    this.dialog.showModal();
    this.input.focus();
    return new Promise((resolve, reject) => {
      const onSubmit = () => {
        const token = this.input.value.trim();
        this.storage.setItem(STORAGE_KEY, token);
        resolve(token);
      };
      this.form.addEventListener('submit', onSubmit, { once: true });
      this.dialog.addEventListener(
        'close',
        () => {
          this.form.removeEventListener('submit', onSubmit);
          reject(new ApiError(401, '401 Unauthorized'));
        },
        { once: true },
      );
    });
  }
}
