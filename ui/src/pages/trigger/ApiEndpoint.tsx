// The card of an API trigger: the URL a POST starts a run at, and a ready curl command.
import { CopyButton } from '../../components/ui';
import { curlCommand } from '../../lib/triggerForm';

export function ApiEndpoint({ url: apiUrl }: { url: string }) {
  return (
    <div className="card" data-testid="api-endpoint">
      <div className="card__header">
        <h2>API endpoint</h2>
        <span className="muted small">A POST to this URL starts a run at once. Variables in the body override the trigger’s.</span>
      </div>
      <div className="card__body form-section">
        <div className="field">
          <span className="field__label">URL</span>
          <div className="code-line">
            <pre className="mono" data-testid="api-url">{apiUrl}</pre>
            <CopyButton text={apiUrl} />
          </div>
        </div>
        <div className="field">
          <span className="field__label">Example</span>
          <div className="code-line">
            <pre className="mono" data-testid="api-curl">{curlCommand(apiUrl)}</pre>
            <CopyButton text={curlCommand(apiUrl)} />
          </div>
        </div>
      </div>
    </div>
  );
}
