import * as React from 'react';

import { isFetchError, useFetchClient } from '@strapi/strapi/admin';

import type {
  ApplyResult,
  BackfillEstimate,
  BackfillProgress,
  BackfillSelectionInput,
  CalibrationResponse,
  DistributionResponse,
  FileDetailResponse,
  FilesQueryInput,
  FilesResponse,
  OverviewResponse,
  PreviewResponse,
  RefusalsResponse,
  ReviewBody,
  ReviewCountsResponse,
  ReviewResponse,
  SettingsResponse,
  Thresholds,
  TryResponse,
} from '../../../shared/contracts';
import { TRY_FIELD } from '../../../shared/contracts/try';
import { PLUGIN_ID } from '../pluginId';

type Query = Record<string, string | number | ReadonlyArray<string | number> | undefined | null>;

/** `a=1&list=x,y`: lists comma-joined, empty values left out, everything encoded (ISO dates carry `+`). */
export const toQueryString = (query: Query): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else {
      params.set(key, String(value));
    }
  }
  return params.toString();
};

const url = (path: string, query?: Query): string => {
  const qs = query ? toQueryString(query) : '';
  return `/${PLUGIN_ID}${path}${qs ? `?${qs}` : ''}`;
};

/** The message of a failed request: Strapi's `error.message`, else the HTTP error's own. */
export const errorMessage = (error: unknown, fallback: string): string => {
  if (isFetchError(error)) {
    const message = error.response?.data?.error?.message;
    if (typeof message === 'string' && message !== '') return message;
  }
  return error instanceof Error && error.message ? error.message : fallback;
};

/** The plugin's admin API, typed by the shared contracts. */
export const usePhotoScoreApi = () => {
  const { get, post, put } = useFetchClient();

  return React.useMemo(
    () => ({
      files: async (query: FilesQueryInput) => (await get<FilesResponse>(url('/files', query as Query))).data,
      file: async (id: number) => (await get<FileDetailResponse>(url(`/files/${id}`))).data.data,
      reviewCounts: async () => (await get<ReviewCountsResponse>(url('/review/counts'))).data.data,
      review: async (body: ReviewBody) => (await post<ReviewResponse>(url('/review'), body)).data.data,
      distribution: async (bins = 20) => (await get<DistributionResponse>(url('/distribution', { bins }))).data.data,
      preview: async (thresholds: Thresholds) => (await post<PreviewResponse>(url('/preview'), thresholds)).data.data,
      calibration: async () => (await get<CalibrationResponse>(url('/calibration'))).data.data,
      overview: async () => (await get<OverviewResponse>(url('/overview'))).data.data,
      refusals: async (page = 1, pageSize = 10) =>
        (await get<RefusalsResponse>(url('/refusals', { page, pageSize }))).data,
      settings: async () => (await get<SettingsResponse>(url('/settings'))).data.data,
      saveSettings: async (settings: Partial<SettingsResponse['data']>) =>
        (await put<SettingsResponse>(url('/settings'), settings)).data.data,
      tryPhoto: async (file: File) => {
        const form = new FormData();
        form.append(TRY_FIELD, file);
        return (await post<TryResponse>(url('/try'), form)).data.data;
      },
      apply: async () => (await post<{ data: ApplyResult }>(url('/apply'), {})).data.data,
      backfillEstimate: async (selection: BackfillSelectionInput) =>
        (await post<{ data: BackfillEstimate }>(url('/backfill/estimate'), selection)).data.data,
      backfillStart: async (selection: BackfillSelectionInput) =>
        (await post<{ data: BackfillProgress }>(url('/backfill'), selection)).data.data,
      backfills: async () => (await get<{ data: BackfillProgress[] }>(url('/backfill'))).data.data,
      backfill: async (id: number) => (await get<{ data: BackfillProgress }>(url(`/backfill/${id}`))).data.data,
      backfillAction: async (id: number, action: 'pause' | 'resume' | 'cancel') =>
        (await post<{ data: BackfillProgress }>(url(`/backfill/${id}/${action}`), {})).data.data,
    }),
    [get, post, put],
  );
};

export type PhotoScoreApi = ReturnType<typeof usePhotoScoreApi>;

/** Loads once per change of `deps`, keeps the last good value while reloading; `reload()` refetches. */
export const useLoad = <T>(load: () => Promise<T>, deps: React.DependencyList) => {
  const [state, setState] = React.useState<{ data: T | undefined; error: string | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = React.useState(0);
  React.useEffect(() => {
    let active = true;
    setState((previous) => ({ ...previous, loading: true }));
    load()
      .then((data) => {
        if (active) setState({ data, error: undefined, loading: false });
      })
      .catch((error: unknown) => {
        if (active)
          setState((previous) => ({ ...previous, error: errorMessage(error, 'request failed'), loading: false }));
      });
    return () => {
      active = false;
    };
    // The dependencies are the caller's: `load` is a new closure on every render.
  }, [...deps, tick]);
  const reload = React.useCallback(() => setTick((value) => value + 1), []);
  return { ...state, reload };
};
