/** Location tree: site > building > department/ward > room (register §14: "Standort und betriebliche Zuordnung"). */
export interface SiteTable {
  id: string;
  name: string;
  address: string | null;
  created_at: string;
}

export interface BuildingTable {
  id: string;
  site_id: string;
  name: string;
}

/** A department or ward (Station); nurses see the devices of their departments. */
export interface DepartmentTable {
  id: string;
  site_id: string;
  building_id: string | null;
  name: string;
  kind: 'ward' | 'department';
  cost_centre: string | null;
}

export interface RoomTable {
  id: string;
  department_id: string;
  name: string;
  floor: string | null;
}
