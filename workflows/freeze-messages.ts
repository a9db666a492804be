// The freeze workflow's messages: incidents place and lift holds; the API reads the state.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { FreezeHold, FreezeLift, FreezeState } from '../domain/freeze';

export const holdSignal = defineSignal<[FreezeHold]>('freeze-hold');
export const liftSignal = defineSignal<[FreezeLift]>('freeze-lift');
export const freezeStateQuery = defineQuery<FreezeState>('freeze-state');
