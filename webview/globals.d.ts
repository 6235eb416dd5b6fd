// Ambient declarations for the bundle: CSS imported for its side effect (esbuild emits dist/webview.css).
declare module '*.css';
