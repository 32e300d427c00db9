// The cells a recurrent layer can run, by name: the library's three (CellKind), and any registered with
// registerCell (the tests' proof that a new cell is one folder; not part of the public API).
import { ValueError } from '../../../core/errors.js';
import type { Cell } from '../cell.js';
import type { CellKind } from '../spec.js';
import { gru } from './gru/index.js';
import { lstm } from './lstm/index.js';
import { rnn } from './rnn/index.js';

/** The library's cells; their kernels are the op's kernels (KERNELS). */
export const CELLS: Readonly<Record<CellKind, Cell>> = { rnn, lstm, gru };

const registered = new Map<string, Cell>(Object.entries(CELLS));

/** The cell a RecurrentConfig names; a ValueError naming the library's cells for any other name. */
export function cellOf(name: string): Cell {
  const cell = registered.get(name);
  if (!cell) throw new ValueError('cell', "'rnn', 'lstm' or 'gru'", JSON.stringify(name));
  return cell;
}

/** @internal Makes `cell` runnable as config.cell = cell.name (test code: a cell outside the library). */
export function registerCell(cell: Cell): void {
  const known = registered.get(cell.name);
  if (known && known !== cell) throw new ValueError('cell.name', 'a name no other cell has', JSON.stringify(cell.name));
  registered.set(cell.name, cell);
}
