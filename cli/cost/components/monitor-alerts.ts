/** Azure Monitor metric alerts, per monitored time series: scopes x criteria of each rule (no dimension split). */
import { money, price } from '../../format/money.ts';
import { azureOfType } from '../../synthesized/resources.ts';
import { asList } from '../../synthesized/terraform-values.ts';
import { line, type CostLine } from '../cost-line.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function metricAlertLines({ book, resources }: ComponentInput): CostLine[] {
  const alerts = azureOfType(resources, 'azurerm_monitor_metric_alert');
  if (alerts.length === 0) return [];
  const series = alerts.map((alert) => {
    const criteria = [...asList(alert.body.criteria), ...asList(alert.body.dynamic_criteria)].length || 1;
    return Math.max(1, asList(alert.body.scopes).length) * criteria;
  });
  const total = series.reduce((a, b) => a + b, 0);
  const rate = unitPrice(book, 'monitor.metricAlert.timeSeries');
  const cost = total * rate;
  return [line('azure', 'monitor.metricAlerts', `Azure Monitor metric alerts, ${alerts.length} rule(s)`, 'always-on', cost, `${series.join(' + ')} = ${total} time series (scopes x criteria, no dimension split) x ${price(rate)} = ${money(cost)}`)];
}
