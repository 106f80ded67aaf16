import type express from 'express';

/** One route of the console, as its router declares it. */
export interface ConsoleRoute {
  method: string;
  path: string;
  /** The names of its handlers, to see which are guarded (`forAdmins`). */
  handlers: string[];
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ name: string }> };
  handle?: { stack?: Layer[] };
}

/**
 * Every route of the console router, read from the center's express sub-app, so a test that
 * walks them covers the routes added after it was written. The console is the sub-router whose
 * stack holds the CSRF check; its own sub-routers are mounted at its root.
 */
export function consoleRoutes(router: express.Express): ConsoleRoute[] {
  const top = (router as unknown as { router: { stack: Layer[] } }).router.stack;
  const admin = top.find((layer) => layer.handle?.stack?.some((inner) => (inner.handle as { name?: string } | undefined)?.name === 'csrf'));
  if (!admin) throw new Error('no console router in the center');
  const routes: ConsoleRoute[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) routes.push({ method: method.toUpperCase(), path: layer.route.path, handlers: layer.route.stack.map((handler) => handler.name) });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk(admin.handle!.stack!);
  return routes;
}
