/** Renderer entry: translations, the API of this shell (Electron or browser mode), the store, the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiCallError, createApi, getApi, type EngawaApi } from './api/client';
import { App } from './App';
import { initI18n } from './i18n';
import { fireAndReport } from './lib/report';
import { createAppStore } from './store/app-store';
import { AppProvider } from './store/context';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element');

await initI18n();

/** The API, or one that answers every call with why there is none (no token in the address). */
function connect(): EngawaApi {
  try {
    return getApi();
  } catch (e) {
    const error = e instanceof ApiCallError ? e : new ApiCallError('INTERNAL', String(e));
    return createApi({
      invoke: async () => ({ ok: false, error: { code: error.code, message: error.message } }),
      on: () => () => {},
    });
  }
}

const api = connect();
const store = createAppStore(api);
fireAndReport(store.getState().init(), 'starting'); // init shows its own failure (boot)

createRoot(container).render(
  <StrictMode>
    <AppProvider store={store} api={api}>
      <App />
    </AppProvider>
  </StrictMode>,
);
