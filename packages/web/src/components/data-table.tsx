/**
 * A table of records that reads as one card per row on a phone: every cell carries its column's heading as
 * `data-label`, which the stylesheet shows above the cell below 40rem. A column's heading is written once, in its
 * definition, for the header cell, the phone label and the caption-less reader alike.
 */
import type { ReactNode } from "react";

/** `data-*` attributes, which the tests and the stylesheet find tables, rows and cells by. */
export type DataAttributes = { readonly [name: `data-${string}`]: string | boolean | number | undefined };

export interface Column<T> {
  /** The column's heading, in the reader's language. */
  readonly heading: string;
  readonly cell: (row: T) => ReactNode;
  /** Attributes of the cell (e.g. the state it shows, for the tests). */
  readonly cellAttributes?: (row: T) => DataAttributes;
}

export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  rowAttributes,
  attributes,
}: {
  /** What the table lists; read by screen readers, hidden on the page (the section heading says it). */
  readonly caption: string;
  /** The columns; `false` leaves one out (a column shown on one tab only). */
  readonly columns: readonly (Column<T> | false)[];
  readonly rows: readonly T[];
  readonly rowKey: (row: T) => string | number;
  readonly rowAttributes?: (row: T) => DataAttributes;
  readonly attributes?: DataAttributes;
}) {
  const shown = columns.filter((c): c is Column<T> => c !== false);
  return (
    <table className="table" {...attributes}>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {shown.map((c) => (
            <th scope="col" key={c.heading}>
              {c.heading}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} {...rowAttributes?.(row)}>
            {shown.map((c) => (
              <td key={c.heading} data-label={c.heading} {...c.cellAttributes?.(row)}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
