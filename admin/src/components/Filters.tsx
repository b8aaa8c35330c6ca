import { Box, DatePicker, Field, NumberInput, SingleSelect, SingleSelectOption } from '@strapi/design-system';

/** A labelled select; with `anyLabel`, a first choice that clears it. */
export const SelectFilter = ({
  label,
  value,
  options,
  onChange,
  anyLabel,
  width = '18rem',
}: {
  label: string;
  value: string | undefined;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string | undefined) => void;
  anyLabel?: string;
  width?: string;
}) => (
  <Box style={{ width }}>
    <Field.Root name={label}>
      <Field.Label>{label}</Field.Label>
      <SingleSelect size="S" value={value ?? ''} onChange={(next) => onChange(next === '' ? undefined : String(next))}>
        {anyLabel !== undefined ? <SingleSelectOption value="">{anyLabel}</SingleSelectOption> : null}
        {options.map((option) => (
          <SingleSelectOption key={option.value} value={option.value}>
            {option.label}
          </SingleSelectOption>
        ))}
      </SingleSelect>
    </Field.Root>
  </Box>
);

export const NumberFilter = ({
  label,
  value,
  onChange,
  min = 0,
  max = 100,
  width = '11rem',
  hint,
}: {
  label: string;
  value: number | undefined;
  onChange: (value: number | undefined) => void;
  min?: number;
  max?: number;
  width?: string;
  hint?: string;
}) => (
  <Box style={{ width }}>
    <Field.Root name={label} hint={hint}>
      <Field.Label>{label}</Field.Label>
      <NumberInput
        size="S"
        value={value}
        min={min}
        max={max}
        step={1}
        onValueChange={(next) => onChange(next === undefined || Number.isNaN(next) ? undefined : next)}
      />
      {hint ? <Field.Hint /> : null}
    </Field.Root>
  </Box>
);

export const DateFilter = ({
  label,
  value,
  onChange,
  clearLabel,
}: {
  label: string;
  value: Date | undefined;
  onChange: (value: Date | undefined) => void;
  clearLabel: string;
}) => (
  <Box style={{ width: '16rem' }}>
    <Field.Root name={label}>
      <Field.Label>{label}</Field.Label>
      <DatePicker
        size="S"
        value={value}
        onChange={onChange}
        onClear={() => onChange(undefined)}
        clearLabel={clearLabel}
      />
    </Field.Root>
  </Box>
);
