import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, errorSentence } from '../api/client';
import type { Connector } from '../api/types';
import { plural } from '../format';
import { ErrorAlert } from './feedback';
import { TrashIcon } from './icons';

/**
 * Deleting a connector is permanent, so the dialog says exactly what goes and asks for the
 * connector's name typed out (as GitHub does for repositories). A native modal <dialog>:
 * focus stays inside, Esc cancels.
 */
export function DeleteConnectorDialog({
  connector,
  onClose,
  onDeleted,
}: {
  connector: Connector;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const matches = typed.trim() === connector.name.trim();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!matches) return;
    setBusy(true);
    setError('');
    try {
      await api.deleteConnector(connector.id);
      onDeleted();
    } catch (err) {
      setError(errorSentence(err));
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-desc`}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={(e) => void submit(e)}>
        <div className="dialog-head danger">
          <TrashIcon size={18} />
          <h2 id={`${id}-title`}>Delete “{connector.name}”?</h2>
        </div>
        <div className="dialog-body" id={`${id}-desc`}>
          <p>This permanently deletes, from Berth:</p>
          <ul className="delete-list">
            <li>the connector and its settings,</li>
            <li>
              its stored credentials
              {connector.credentialHint ? (
                <>
                  {' '}
                  (<code>{connector.credentialHint}</code>)
                </>
              ) : null}
              ,
            </li>
            <li>
              everything Berth learned through it:{' '}
              {plural(connector.repositoryCount, 'repository', 'repositories')} and their versions in the
              Connected Registries tree and in search.
            </li>
          </ul>
          <p className="muted">
            Nothing is deleted from the registry itself. This cannot be undone; to see these images again you
            would connect the registry anew.
          </p>
          {error && <ErrorAlert>{error}</ErrorAlert>}
          <label className="field">
            <span className="field-label">
              Type <strong className="confirm-name">{connector.name}</strong> to confirm
            </span>
            <input
              autoFocus
              autoComplete="off"
              spellCheck={false}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              aria-label={`Type ${connector.name} to confirm`}
            />
          </label>
        </div>
        <div className="dialog-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={!matches || busy}>
            {busy ? 'Deleting…' : 'Delete this connector'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
