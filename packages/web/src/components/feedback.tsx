import type { ReactNode } from 'react';
import { AlertIcon, CheckIcon } from './icons';

/** An API error shown as its sentence; announced to screen readers. */
export function ErrorAlert({ children, title }: { children: ReactNode; title?: string }) {
  return (
    <div className="alert alert-error" role="alert">
      <AlertIcon size={16} />
      <div>
        {title && <strong className="alert-title">{title}</strong>}
        <span className="alert-detail">{children}</span>
      </div>
    </div>
  );
}

export function SuccessAlert({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-success" role="status">
      <CheckIcon size={16} />
      <div>{children}</div>
    </div>
  );
}

/** What is (not) here, and the one thing to do next. */
export function EmptyState({
  icon,
  title,
  children,
  action,
}: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="empty-state">
      {icon && <div className="empty-icon">{icon}</div>}
      <h2>{title}</h2>
      {children && <div className="empty-text">{children}</div>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <span className="spinner-wrap" role="status">
      <span className="spinner" aria-hidden="true" />
      <span className="spinner-label">{label}</span>
    </span>
  );
}

/** A connector's status as a coloured pill. */
export function StatusPill({ status }: { status: string }) {
  const label =
    { ok: 'Connected', error: 'Error', syncing: 'Syncing', pending: 'Waiting to sync' }[status] ?? status;
  return <span className={`pill pill-${status}`}>{label}</span>;
}
