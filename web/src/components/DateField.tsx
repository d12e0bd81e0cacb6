// Date fields the way every other date in the console reads: dd/mm/yyyy (and HH:mm), in both
// languages. A native <input type="date"> follows the browser's locale (mm/dd/yyyy in an
// en-US browser), so the fields are Mantine's DateInput with a fixed format; a date may be
// typed (dd/mm/yyyy, or yyyy-mm-dd as pasted from elsewhere) or picked from the calendar.
import { DateInput, type DateInputProps } from '@mantine/dates';
import dayjs from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat';

dayjs.extend(customParseFormat);

const DATE_IN = ['DD/MM/YYYY', 'D/M/YYYY', 'YYYY-MM-DD'];
const DATETIME_IN = ['DD/MM/YYYY HH:mm', 'D/M/YYYY HH:mm', 'D/M/YYYY H:mm', 'YYYY-MM-DD HH:mm', 'YYYY-MM-DDTHH:mm', 'YYYY-MM-DD HH:mm:ss', ...DATE_IN];

function parse(text: string, formats: string[], out: string): string | null {
  const d = dayjs(text.trim(), formats, true);
  return d.isValid() ? d.format(out) : null;
}

type Base = Omit<DateInputProps, 'value' | 'onChange' | 'valueFormat' | 'dateParser' | 'defaultValue'>;

/** A day as "YYYY-MM-DD" ('' when empty), shown and typed as dd/mm/yyyy. */
export function DateField({ value, onChange, ...rest }: Base & { value: string; onChange: (value: string) => void }) {
  return (
    <DateInput valueFormat="DD/MM/YYYY" placeholder="dd/mm/yyyy" clearable {...rest}
      dateParser={(s) => parse(s, DATE_IN, 'YYYY-MM-DD')}
      value={value || null} onChange={(v) => onChange(v ? v.slice(0, 10) : '')} />
  );
}

/** A moment as "YYYY-MM-DDTHH:mm" ('' when empty), shown and typed as dd/mm/yyyy HH:mm. */
export function DateTimeField({ value, onChange, ...rest }: Base & { value: string; onChange: (value: string) => void }) {
  return (
    <DateInput valueFormat="DD/MM/YYYY HH:mm" placeholder="dd/mm/yyyy hh:mm" clearable withTime {...rest}
      dateParser={(s) => parse(s, DATETIME_IN, 'YYYY-MM-DD HH:mm:ss')}
      value={value ? value.replace('T', ' ') + ':00' : null} onChange={(v) => onChange(v ? v.slice(0, 16).replace(' ', 'T') : '')} />
  );
}
