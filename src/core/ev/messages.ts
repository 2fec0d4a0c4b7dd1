// The OCPP 1.6J messages the central system handles, as the official JSON schemas define them (the driver
// validates every message against those schemas in ocpp-rpc's strict mode before a handler sees it).
export interface IdTagInfoJson {
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
  expiryDate?: string;
  parentIdTag?: string;
}

export interface BootNotificationReq {
  chargePointVendor: string;
  chargePointModel: string;
  chargePointSerialNumber?: string;
  chargeBoxSerialNumber?: string;
  firmwareVersion?: string;
}
export interface BootNotificationConf { status: 'Accepted' | 'Pending' | 'Rejected'; currentTime: string; interval: number }
export interface HeartbeatConf { currentTime: string }

export interface StatusNotificationReq {
  connectorId: number;
  errorCode: string;
  info?: string;
  status: string;
  timestamp?: string;
  vendorId?: string;
  vendorErrorCode?: string;
}

export interface AuthorizeReq { idTag: string }
export interface AuthorizeConf { idTagInfo: IdTagInfoJson }

export interface StartTransactionReq {
  connectorId: number;
  idTag: string;
  meterStart: number;
  reservationId?: number;
  timestamp: string;
}
export interface StartTransactionConf { transactionId: number; idTagInfo: IdTagInfoJson }

export interface SampledValue {
  value: string;
  context?: string;
  format?: 'Raw' | 'SignedData';
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}
export interface MeterValue { timestamp: string; sampledValue: SampledValue[] }
export interface MeterValuesReq { connectorId: number; transactionId?: number; meterValue: MeterValue[] }

export interface StopTransactionReq {
  idTag?: string;
  meterStop: number;
  timestamp: string;
  transactionId: number;
  reason?: string;
  transactionData?: MeterValue[];
}
export interface StopTransactionConf { idTagInfo?: IdTagInfoJson }
