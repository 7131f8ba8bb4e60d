// H5Web island of the dataset page: bundled by `make install` (esbuild) into static/build/.
// static/js/h5web_island.js loads this bundle on demand and calls window.portalH5Web.mount().
import { App, H5GroveProvider, createBasicFetcher } from '@h5web/app';
import '@h5web/app/styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

// The portal's h5grove routes end with a slash (Django URLs); H5Web asks for `<url>/meta`, so
// the fetcher adds it rather than every request going through an APPEND_SLASH redirect.
const ROUTE = /\/(meta|attr|data|stats|paths)$/;
const basicFetcher = createBasicFetcher({ credentials: 'same-origin' });
const fetcher = (url, params, opts) => basicFetcher(url.replace(ROUTE, '/$1/'), params, opts);

// NPY/TIFF exports are links to the data route: same trailing slash. CSV and JSON are made in
// the browser by H5Web's built-in exporters (undefined here lets H5Web use them).
function exportURLs(url) {
  return (format, dataset, selection) => {
    if (format !== 'npy' && format !== 'tiff') {
      return undefined;
    }
    const params = new URLSearchParams({ path: dataset.path, format });
    if (selection) {
      params.set('selection', selection);
    }
    return new URL(`${url}/data/?${params}`, window.location.href);
  };
}

let root = null;

function mount(element) {
  const { url, file, path } = element.dataset;
  if (!root) {
    element.replaceChildren();
    root = createRoot(element);
  }
  root.render(
    <StrictMode>
      <H5GroveProvider
        key={url}
        url={url}
        filepath={file}
        fetcher={fetcher}
        getExportURL={exportURLs(url)}
      >
        <App initialPath={path || '/'} sidebarOpen={window.innerWidth >= 992} disableDarkMode />
      </H5GroveProvider>
    </StrictMode>,
  );
}

window.portalH5Web = { mount };
