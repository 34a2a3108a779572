/**
 * Radio buttons for one choice among a few: each option's input, label and (optional) hint, tied together by ids
 * made from the group's name (`mark-typed`, `mark-typed-hint`), so that every group reads the same to a screen reader.
 * The legend is the caller's (a fieldset around the group).
 */
export function RadioGroup<K extends string>({
  name,
  options,
  value,
  onChange,
  label,
  hint,
  inline = false,
}: {
  readonly name: string;
  readonly options: readonly K[];
  readonly value: K | undefined;
  readonly onChange: (option: K) => void;
  readonly label: (option: K) => string;
  readonly hint?: (option: K) => string;
  /** Side by side (short labels), rather than one under another. */
  readonly inline?: boolean;
}) {
  return (
    <div className={`radios${inline ? " radios--inline" : ""}`}>
      {options.map((option) => {
        const id = `${name}-${option}`;
        return (
          <div className="radio" key={option}>
            <input
              type="radio"
              id={id}
              name={name}
              value={option}
              checked={value === option}
              onChange={() => onChange(option)}
              aria-describedby={hint ? `${id}-hint` : undefined}
            />
            <label htmlFor={id}>{label(option)}</label>
            {hint && (
              <p className="hint" id={`${id}-hint`}>
                {hint(option)}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
