import type { Request } from 'express';

export const PAGE_SIZE = 25;

export interface Paging {
  page: number;
  pages: number;
  total: number;
  prevUrl: string;
  nextUrl: string;
}

/** The 1-based page asked for in `?page=`, clamped to something sane. */
export function requestedPage(req: Request): number {
  return pageParam(req.query.page);
}

/** A 1-based page number from a query parameter (a page has a second list with its own). */
export function pageParam(value: unknown): number {
  const page = Number.parseInt(typeof value === 'string' ? value : '1', 10);
  return Number.isSafeInteger(page) && page > 0 && page < 1_000_000 ? page : 1;
}

/** Links to the neighbouring pages that keep the current filters. */
export function paging(req: Request, page: number, total: number, filters: Record<string, string>): Paging {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const link = (target: number) => {
    const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
    if (target > 1) query.set('page', String(target));
    const search = query.toString();
    return `${req.baseUrl}${req.path}${search ? `?${search}` : ''}`;
  };
  return { page, pages, total, prevUrl: page > 1 ? link(page - 1) : '', nextUrl: page < pages ? link(page + 1) : '' };
}
