// What activities are built from: the config and one client per role, injected by the worker
// (real vendor clients, pointed at production or at the sandbox stand-ins by base URL).
import type { FirebreakConfig, ServiceConfig } from '../config/schema';
import type { ReportArchive } from '../integrations/report-archive';
import type {
  DeployGate,
  DeployTool,
  EmailTarget,
  Notifier,
  Pager,
  SlackTarget,
  SourceHistory,
  TicketTracker,
} from '../integrations/roles';
import type { ServiceTickets } from '../config/tickets-schema';
import { notConfigured } from './failures';

export interface ActivityDeps {
  config: FirebreakConfig;
  /** Base URL people use to reach Firebreak (links in pages and messages). */
  publicUrl: string;
  pager: Pager | null;
  sourceHistory: SourceHistory | null;
  deployTool: DeployTool | null;
  /** Where CI sees a deploy freeze (GitHub issues); null without GitHub. */
  deployGate: DeployGate | null;
  slack: Notifier<SlackTarget>;
  email: Notifier<EmailTarget> | null;
  /** One client per configured tracker (Jira Cloud, Jira Data Center, GitHub Issues). */
  trackers: Partial<Record<ServiceTickets['tracker'], TicketTracker>>;
  archive: ReportArchive;
  /** How often a rollback polls Jenkins. */
  jenkinsPollMs: number;
}

export function serviceConfig(deps: ActivityDeps, service: string): ServiceConfig {
  const config = deps.config.services[service];
  if (!config) throw notConfigured(`service '${service}' is not in the configuration`);
  return config;
}
