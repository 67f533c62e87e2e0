// The bug-injection operators, by bug type and language. Each is a pure function from a syntax
// tree to candidate edit sets (mutation sites); an empty list means "does not apply here".
import type { BugType } from '../../../../api/v1alpha1/names.js';
import type { Lang } from '../../../../core/records/record.js';
import type { Candidate } from '../edit.js';
import type { OperatorInput } from '../nodes.js';
import { offByOne, operatorSwap } from './comparison.js';
import { removedBoundsCheck, removedNullCheck } from './checks.js';
import { uninitializedVariable, uninitializedVariablePython, variableMisuse } from './variables.js';
import { swappedArguments } from './calls.js';
import { doubleFree, missingFree, useAfterFree } from './memory.js';
import { integerOverflow, missingBreak, wrongErrorReturn } from './control.js';

export type MutationOperator = (input: OperatorInput) => Candidate[];

export const OPERATORS: Record<BugType, Partial<Record<Lang, MutationOperator>>> = {
  'off-by-one': { c: offByOne, python: offByOne },
  'operator-swap': { c: operatorSwap, python: operatorSwap },
  'removed-bounds-check': { c: removedBoundsCheck, python: removedBoundsCheck },
  'removed-null-check': { c: removedNullCheck, python: removedNullCheck },
  'variable-misuse': { c: variableMisuse },
  'swapped-arguments': { c: swappedArguments, python: swappedArguments },
  'missing-free': { c: missingFree },
  'double-free': { c: doubleFree },
  'use-after-free': { c: useAfterFree },
  'integer-overflow': { c: integerOverflow },
  'missing-break': { c: missingBreak },
  'wrong-error-return': { c: wrongErrorReturn, python: wrongErrorReturn },
  'uninitialized-variable': { c: uninitializedVariable, python: uninitializedVariablePython },
};
