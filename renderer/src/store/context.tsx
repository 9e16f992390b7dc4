/**
 * Hands the store and the API to components through React context, so components never reach
 * for globals (`window.engawa`) and tests can render them over a fake API.
 */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { EngawaApi } from '../api/client';
import type { AppStore } from './app-store';

interface AppContext {
  store: StoreApi<AppStore>;
  api: EngawaApi;
}

const Context = createContext<AppContext | null>(null);

/** Makes `store` and `api` available to the components below. */
export function AppProvider(props: { store: StoreApi<AppStore>; api: EngawaApi; children: ReactNode }) {
  return <Context.Provider value={{ store: props.store, api: props.api }}>{props.children}</Context.Provider>;
}

function useAppContext(): AppContext {
  const ctx = useContext(Context);
  if (ctx === null) throw new Error('AppProvider is missing');
  return ctx;
}

/** A slice of the app state; the component re-renders when it changes. */
export function useApp<T>(selector: (s: AppStore) => T): T {
  return useStore(useAppContext().store, selector);
}

/** The API, for calls whose answer only one component needs (stats). */
export function useApi(): EngawaApi {
  return useAppContext().api;
}
